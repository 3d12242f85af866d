"""Training the joint model: AdamW with warm-up and linear decay, early stopping on dev.

Run through DVC (`dvc repro train`) or directly (`python stages/train.py`) after stage
tokenize. The loop reads top to bottom: set seeds and threads, build the model, then per
epoch train on length-bucketed batches, score dev, log to dvclive and keep the best state.
After training, the weights of the best epoch and the epochs just before it are averaged. The
average replaces the best epoch only if it scores higher on dev. Last, the CLS thresholds are
tuned on dev.
"""

import collections
import copy
import logging
import math
import random
import time

import numpy as np
import torch
from seqeval.metrics import f1_score as entity_f1_score
from sklearn.metrics import f1_score
from tqdm import tqdm

from nerel_mtl.dataset import collate, make_batches
from nerel_mtl.inference import predict_encoded
from nerel_mtl.model import build_model
from nerel_mtl.vocab import PAD_ID, UNK_ID

logger = logging.getLogger(__name__)

THRESHOLD_GRID = [round(0.05 * step, 2) for step in range(1, 20)]
DEFAULT_THRESHOLD = 0.5
THRESHOLD_OBJECTIVES = ("label", "micro", "micro_macro")
# Coordinate ascent passes over all labels. A second pass lets each label react to the others' moves.
THRESHOLD_PASSES = 2


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_deterministic() -> None:
    """Make torch pick deterministic kernels.

    With 2 threads, the backward of indexing (`index_put_` with accumulate, behind the document
    head's segment softmax) adds the gradients of one row in whatever order the threads reach
    it. Two runs with the same seed then differed by about a point of dev entity F1. With the
    deterministic kernels an epoch took about 5% longer on 2 CPU cores.
    """
    torch.use_deterministic_algorithms(True, warn_only=True)


def count_parameters(model) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def cls_positive_weights(docs: list[dict], power: float) -> torch.Tensor | None:
    """Return (negative / positive training documents) ** `power` per CLS label, 1 for a label
    without positives, or None for `power` 0. With 0.5 a label in 1 of 100 documents weighs
    about 10 times as much per positive as a label in half of them."""
    if power == 0:
        return None
    targets = torch.tensor([doc["cls"] for doc in docs], dtype=torch.float)
    positives = targets.sum(dim=0)
    ratio = (len(docs) - positives) / positives.clamp(min=1)
    return torch.where(positives > 0, ratio.pow(power), torch.ones_like(ratio))


def make_optimizer(model, train_params: dict):
    """AdamW with `lr_encoder` for the encoder and `lr_heads` for heads and loss weights;
    biases, norms and the task log-variances get no weight decay."""
    groups = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        part = "encoder" if name.startswith("encoder.") else "heads"
        decay = parameter.dim() >= 2
        key = (part, decay)
        if key not in groups:
            groups[key] = {"params": [], "lr": train_params[f"lr_{part}"],
                           "weight_decay": train_params["weight_decay"] if decay else 0.0}
        groups[key]["params"].append(parameter)
    return torch.optim.AdamW(list(groups.values()))


def make_scheduler(optimizer, total_steps: int, warmup_ratio: float):
    warmup = max(1, math.ceil(total_steps * warmup_ratio))

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def tune_thresholds(probabilities: np.ndarray, targets: np.ndarray, objective: str = "label") -> list[float]:
    """Pick per-label CLS thresholds from 0.05..0.95 on dev.

    "label" maximises each label's own F1, and labels without dev positives keep 0.5. "micro" and
    "micro_macro" (the mean of micro and macro F1) start from those thresholds. They then move one
    label's threshold at a time to the value with the best objective over all labels. Ties go to
    the threshold closest to the current one.
    """
    thresholds = []
    for label in range(targets.shape[1]):
        gold = targets[:, label]
        if gold.sum() == 0:
            thresholds.append(DEFAULT_THRESHOLD)
            continue
        scores = [(f1_score(gold, probabilities[:, label] >= threshold, zero_division=0),
                   -abs(threshold - DEFAULT_THRESHOLD), threshold) for threshold in THRESHOLD_GRID]
        thresholds.append(max(scores)[2])
    if objective == "label":
        return thresholds
    if objective not in THRESHOLD_OBJECTIVES:
        raise ValueError(f"invalid threshold objective {objective!r}; expected one of {THRESHOLD_OBJECTIVES}")

    def value(candidate):
        predicted = probabilities >= np.array(candidate)
        micro = f1_score(targets, predicted, average="micro", zero_division=0)
        if objective == "micro":
            return micro
        return (micro + f1_score(targets, predicted, average="macro", zero_division=0)) / 2

    for _ in range(THRESHOLD_PASSES):
        for label in range(targets.shape[1]):
            current = thresholds[label]
            options = []
            for threshold in THRESHOLD_GRID:
                thresholds[label] = threshold
                options.append((value(thresholds), -abs(threshold - current), threshold))
            thresholds[label] = max(options)[2]
    return thresholds


def frequent_word_ids(docs: list[dict], count: int) -> list[int]:
    """Return the ids of the `count` most frequent words in `docs`, padding and <unk> left out.
    Ties go to the lower id, so the choice is repeatable."""
    counts = collections.Counter(word for doc in docs for window in doc["windows"]
                                 for word in window["word_ids"] if word not in (PAD_ID, UNK_ID))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ranked[:count]]


def trainable_state(model) -> dict:
    return {name: parameter.detach().clone() for name, parameter in model.named_parameters()
            if parameter.requires_grad}


def average_states(states: list[dict]) -> dict:
    return {name: torch.stack([state[name] for state in states]).mean(dim=0) for name in states[0]}


def score(model, docs: list[dict], config: dict, batch_words: int, thresholds=None) -> dict:
    """Score `model` on encoded docs with gold "tags" and "cls".

    token_f1 is micro F1 over word tags without "O", token_accuracy counts "O" too,
    entity_f1 is seqeval's default (conlleval-style) micro F1 over IOB2 spans, cls_f1 is micro F1
    and cls_macro_f1 is macro F1 over CLS labels.
    """
    labels = config["ner_labels"]
    outputs = predict_encoded(model, docs, config["model"]["encoder"], batch_words)
    gold_tags = [[labels[tag] for tag in doc["tags"]] for doc in docs]
    predicted_tags = [[labels[tag] for tag in tags] for tags, _ in outputs]
    flat_gold = [tag for tags in gold_tags for tag in tags]
    flat_predicted = [tag for tags in predicted_tags for tag in tags]
    probabilities = np.array([scores for _, scores in outputs])
    targets = np.array([doc["cls"] for doc in docs])
    if thresholds is None:
        thresholds = [DEFAULT_THRESHOLD] * targets.shape[1]
    predicted = probabilities >= np.array(thresholds)
    return {
        "token_f1": float(f1_score(flat_gold, flat_predicted, labels=labels[1:], average="micro",
                                   zero_division=0)),
        "token_accuracy": float(np.mean(np.array(flat_gold) == np.array(flat_predicted))),
        "entity_f1": float(entity_f1_score(gold_tags, predicted_tags)),
        "cls_f1": float(f1_score(targets, predicted, average="micro", zero_division=0)),
        "cls_macro_f1": float(f1_score(targets, predicted, average="macro", zero_division=0)),
        "_probabilities": probabilities,
        "_targets": targets,
    }


def combined_score(scores: dict) -> float:
    """Early-stopping score: the mean of dev entity F1 and dev CLS micro F1."""
    return (scores["entity_f1"] + scores["cls_f1"]) / 2


def public(scores: dict) -> dict:
    return {name: value for name, value in scores.items() if not name.startswith("_")}


def train(config: dict, train_docs: list[dict], dev_docs: list[dict], train_params: dict,
          embeddings: torch.Tensor | None = None, pretrained: str | None = None, live=None):
    """Train a model for `config` and return (best model, config with thresholds, metrics)."""
    set_seed(train_params["seed"])
    make_deterministic()
    torch.set_num_threads(train_params["threads"])
    encoder = config["model"]["encoder"]

    model = build_model(config, pretrained=pretrained)
    if embeddings is not None:
        model.encoder.embedding.load_vectors(embeddings)
    tune_words = config["model"].get("tune_words", 0)
    if tune_words:
        model.encoder.embedding.select_tuned_words(frequent_word_ids(train_docs, tune_words))
    model.cls_positive_weight = cls_positive_weights(train_docs, config["loss"].get("cls_positive_weight_power", 0))
    parameters = count_parameters(model)
    logger.info("model: %d parameters, %d trainable", parameters,
                sum(p.numel() for p in model.parameters() if p.requires_grad))

    batches_per_epoch = len(make_batches(train_docs, train_params["batch_words"], shuffle=False))
    total_steps = batches_per_epoch * train_params["epochs"]
    optimizer = make_optimizer(model, train_params)
    scheduler = make_scheduler(optimizer, total_steps, train_params["warmup_ratio"])

    best = {"score": -1.0, "epoch": 0, "state": None, "dev": None, "recent": []}
    # Trainable weights of the last epochs (about 13 MB each: the navec table is frozen).
    recent = collections.deque(maxlen=train_params["average_epochs"])
    history = []
    started = time.perf_counter()
    for epoch in range(1, train_params["epochs"] + 1):
        model.train()
        epoch_started = time.perf_counter()
        sums = {"ner": 0.0, "cls": 0.0, "total": 0.0}
        # A new seed per epoch reshuffles the batches but keeps runs repeatable.
        batches = make_batches(train_docs, train_params["batch_words"], shuffle=True,
                               seed=train_params["seed"] + epoch)
        for indices in tqdm(batches, desc=f"epoch {epoch}", leave=False):
            batch = collate([train_docs[index] for index in indices], encoder)
            losses = model.losses(batch)
            optimizer.zero_grad(set_to_none=True)
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_params["clip_grad_norm"])
            optimizer.step()
            scheduler.step()
            model.loss_weighting.clamp_()
            for name in sums:
                sums[name] += losses[name].item()
        train_seconds = time.perf_counter() - epoch_started

        dev = score(model, dev_docs, config, train_params["batch_words"])
        sigmas = model.loss_weighting.sigmas()
        record = {
            "epoch": epoch,
            "train_seconds": round(train_seconds, 1),
            "train/loss_ner": sums["ner"] / len(batches),
            "train/loss_cls": sums["cls"] / len(batches),
            "train/loss_total": sums["total"] / len(batches),
            "train/sigma_ner": sigmas["ner"],
            "train/sigma_cls": sigmas["cls"],
            "train/lr": scheduler.get_last_lr()[0],
            **{f"dev/{name}": value for name, value in public(dev).items()},
        }
        history.append(record)
        logger.info("epoch %d: %.1f s, loss ner %.4f cls %.4f, dev entity F1 %.4f, CLS F1 %.4f",
                    epoch, train_seconds, record["train/loss_ner"], record["train/loss_cls"],
                    dev["entity_f1"], dev["cls_f1"])
        if live is not None:
            for name in ("train/loss_ner", "train/loss_cls", "train/sigma_ner", "train/sigma_cls",
                         "train/lr", "dev/token_f1", "dev/entity_f1", "dev/cls_f1"):
                live.log_metric(name, record[name])
            live.next_step()

        recent.append(trainable_state(model))
        if combined_score(dev) > best["score"]:
            best = {"score": combined_score(dev), "epoch": epoch,
                    "state": copy.deepcopy(model.state_dict()), "dev": dev, "recent": list(recent)}
        elif epoch - best["epoch"] >= train_params["patience"]:
            logger.info("early stop: no dev improvement for %d epochs", train_params["patience"])
            break
    training_seconds = time.perf_counter() - started

    model.load_state_dict(best["state"])
    averaged_epochs = average_best_epochs(model, best, dev_docs, config, train_params["batch_words"])
    thresholds = tune_thresholds(best["dev"]["_probabilities"], best["dev"]["_targets"],
                                 train_params["cls_threshold_objective"])
    config = {**config, "thresholds": thresholds}
    tuned = score(model, dev_docs, config, train_params["batch_words"], thresholds)
    metrics = {
        "best_epoch": best["epoch"],
        "averaged_epochs": averaged_epochs,
        "epochs_run": len(history),
        "dev": public(tuned),
        "dev_threshold_0_5": public(best["dev"]),
        "training_seconds": round(training_seconds, 1),
        "seconds_per_epoch": round(sum(r["train_seconds"] for r in history) / len(history), 1),
        "threads": train_params["threads"],
        "parameters": parameters,
        "vocab_size": config.get("num_words"),
        "history": history,
    }
    return model, config, metrics


def average_best_epochs(model, best: dict, dev_docs: list[dict], config: dict, batch_words: int) -> list[int]:
    """Load the mean weights of the best epoch and the epochs just before it if that mean scores
    higher on dev than the best epoch alone. Return the epochs whose weights the model now has."""
    states = best["recent"]
    single = [best["epoch"]]
    if len(states) < 2:
        return single
    model.load_state_dict(average_states(states), strict=False)
    dev = score(model, dev_docs, config, batch_words)
    epochs = list(range(best["epoch"] - len(states) + 1, best["epoch"] + 1))
    logger.info("averaged epochs %s: dev entity F1 %.4f, CLS F1 %.4f (best epoch alone: %.4f, %.4f)",
                epochs, dev["entity_f1"], dev["cls_f1"], best["dev"]["entity_f1"], best["dev"]["cls_f1"])
    if combined_score(dev) > best["score"]:
        best.update(score=combined_score(dev), dev=dev)
        return epochs
    model.load_state_dict(best["state"])
    return single
