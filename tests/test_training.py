import numpy as np
import pytest

from helpers_hf import prepare, sample_docs
from nerel_mtl.training import tune_thresholds, train

TRAIN_PARAMS = {"seed": 13, "epochs": 2, "patience": 3, "batch_words": 64, "lr_encoder": 0.01,
                "lr_heads": 0.01, "weight_decay": 0.01, "warmup_ratio": 0.1, "clip_grad_norm": 5.0,
                "threads": 1}


def test_thresholds_tuned_per_label():
    probabilities = np.array([[0.9, 0.3], [0.2, 0.6], [0.7, 0.1]])
    targets = np.array([[1, 0], [0, 0], [1, 0]])
    thresholds = tune_thresholds(probabilities, targets)
    assert 0.2 < thresholds[0] <= 0.7
    assert thresholds[1] == 0.5


@pytest.mark.slow
@pytest.mark.parametrize("encoder", ["navec", "hf"])
def test_two_epochs_reduce_loss(encoder, tmp_path):
    docs = sample_docs()
    config, encoded, table, pretrained = prepare(encoder, tmp_path, docs)
    model, config, metrics = train(config, encoded, encoded, TRAIN_PARAMS, table, pretrained=pretrained)
    history = metrics["history"]
    assert metrics["epochs_run"] == 2
    assert history[1]["train/loss_total"] < history[0]["train/loss_total"]
    assert len(config["thresholds"]) == len(config["cls_labels"])
    assert 0.0 <= metrics["dev"]["entity_f1"] <= 1.0
