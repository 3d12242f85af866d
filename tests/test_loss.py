import math

import pytest
import torch

from nerel_mtl.model.loss import FixedWeightedLoss, UncertaintyWeightedLoss


def test_uncertainty_value_at_zero():
    loss = UncertaintyWeightedLoss()
    total = loss({"ner": torch.tensor(2.0), "cls": torch.tensor(0.5)})
    assert total.item() == pytest.approx(2.5)


def test_uncertainty_value_known_log_vars():
    loss = UncertaintyWeightedLoss()
    with torch.no_grad():
        loss.log_vars.copy_(torch.tensor([1.0, -1.0]))
    total = loss({"ner": torch.tensor(2.0), "cls": torch.tensor(0.5)})
    assert total.item() == pytest.approx(2 * math.exp(-1) + 1 + 0.5 * math.exp(1) - 1)


def test_uncertainty_gradient():
    loss = UncertaintyWeightedLoss()
    loss({"ner": torch.tensor(2.0), "cls": torch.tensor(0.5)}).backward()
    # d/ds (exp(-s) L + s) = 1 - exp(-s) L, at s = 0.
    assert loss.log_vars.grad.tolist() == pytest.approx([1 - 2.0, 1 - 0.5])


def test_log_vars_move_after_step():
    loss = UncertaintyWeightedLoss()
    optimizer = torch.optim.SGD(loss.parameters(), lr=0.1)
    loss({"ner": torch.tensor(2.0), "cls": torch.tensor(0.5)}).backward()
    optimizer.step()
    assert loss.log_vars[0].item() > 0
    assert loss.log_vars[1].item() < 0


def test_log_vars_clamped():
    loss = UncertaintyWeightedLoss(log_var_min=-1.0, log_var_max=1.0)
    with torch.no_grad():
        loss.log_vars.copy_(torch.tensor([5.0, -5.0]))
    loss.clamp_()
    assert loss.log_vars.tolist() == [1.0, -1.0]


def test_task_loss_gradient_scaled():
    loss = UncertaintyWeightedLoss()
    with torch.no_grad():
        loss.log_vars.copy_(torch.tensor([math.log(4.0), 0.0]))
    ner = torch.tensor(1.0, requires_grad=True)
    loss({"ner": ner, "cls": torch.tensor(1.0)}).backward()
    assert ner.grad.item() == pytest.approx(0.25)


def test_fixed_weights():
    loss = FixedWeightedLoss({"ner": 1.0, "cls": 4.0})
    assert loss({"ner": torch.tensor(1.0), "cls": torch.tensor(0.5)}).item() == pytest.approx(3.0)
    assert loss.sigmas()["cls"] == pytest.approx(0.5)
