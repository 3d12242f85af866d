"""Combining the task losses: learned uncertainty weighting or fixed weights."""

import torch
from torch import nn

TASKS = ("ner", "cls")


class UncertaintyWeightedLoss(nn.Module):
    """L = sum_t exp(-s_t) * L_t + s_t with learnable s_t = log sigma_t^2 per task
    (Kendall, Gal and Cipolla, CVPR 2018), s_t kept within [log_var_min, log_var_max]."""

    def __init__(self, tasks=TASKS, log_var_min: float = -4.0, log_var_max: float = 4.0):
        super().__init__()
        if log_var_min >= log_var_max:
            raise ValueError(f"log_var_min {log_var_min} must be below log_var_max {log_var_max}")
        self.tasks = list(tasks)
        self.log_vars = nn.Parameter(torch.zeros(len(self.tasks)))
        self.log_var_min = log_var_min
        self.log_var_max = log_var_max

    def forward(self, losses: dict) -> torch.Tensor:
        log_vars = self.log_vars.clamp(self.log_var_min, self.log_var_max)
        terms = [torch.exp(-log_vars[index]) * losses[task] + log_vars[index]
                 for index, task in enumerate(self.tasks)]
        return torch.stack(terms).sum()

    @torch.no_grad()
    def clamp_(self) -> None:
        """Pull s_t back into range after an optimizer step, so its gradient never dies at a clamp."""
        self.log_vars.clamp_(self.log_var_min, self.log_var_max)

    def sigmas(self) -> dict:
        return {task: float(torch.exp(0.5 * self.log_vars[index].detach()))
                for index, task in enumerate(self.tasks)}


class FixedWeightedLoss(nn.Module):
    def __init__(self, weights: dict):
        super().__init__()
        self.weights = {task: float(weights[task]) for task in TASKS}

    def forward(self, losses: dict) -> torch.Tensor:
        return sum(self.weights[task] * losses[task] for task in TASKS)

    def clamp_(self) -> None:
        pass

    def sigmas(self) -> dict:
        """Return the sigma that uncertainty weighting would need for the same weight:
        exp(-s) = w gives sigma = w ** -0.5."""
        return {task: weight ** -0.5 if weight > 0 else float("inf") for task, weight in self.weights.items()}


def build_loss(loss_params: dict) -> nn.Module:
    if loss_params["weighting"] == "uncertainty":
        return UncertaintyWeightedLoss(TASKS, loss_params["log_var_min"], loss_params["log_var_max"])
    return FixedWeightedLoss(loss_params["fixed_weights"])
