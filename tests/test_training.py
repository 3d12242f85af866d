import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from helpers_hf import prepare, sample_docs
from nerel_mtl.model.heads import LabelAttentionHead
from nerel_mtl.checkpoint import load_model, save_model
from nerel_mtl.training import (average_states, cls_positive_weights, frequent_word_ids, make_deterministic, train,
                                tune_thresholds)

TRAIN_PARAMS = {"seed": 13, "epochs": 2, "patience": 3, "batch_words": 64, "lr_encoder": 0.01,
                "lr_heads": 0.01, "weight_decay": 0.01, "warmup_ratio": 0.1, "clip_grad_norm": 5.0,
                "threads": 1, "average_epochs": 2, "cls_threshold_objective": "label"}


def test_thresholds_tuned_per_label():
    probabilities = np.array([[0.9, 0.3], [0.2, 0.6], [0.7, 0.1]])
    targets = np.array([[1, 0], [0, 0], [1, 0]])
    thresholds = tune_thresholds(probabilities, targets)
    assert 0.2 < thresholds[0] <= 0.7
    assert thresholds[1] == 0.5


def test_micro_objective_raises_costly_threshold():
    # Label 1's own F1 is best at a low threshold that adds four false positives. For micro F1
    # over both labels, predicting label 1 nowhere scores higher.
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.15], [0.2, 0.1], [0.3, 0.12]])
    targets = np.array([[1, 1], [1, 0], [1, 0], [0, 0], [0, 0]])
    assert tune_thresholds(probabilities, targets, "label")[1] <= 0.1
    micro = tune_thresholds(probabilities, targets, "micro")
    predicted = probabilities >= np.array(micro)
    assert predicted[:, 0].tolist() == [True, True, True, False, False]
    assert not predicted[:, 1].any()


def test_micro_macro_objective_not_below_label():
    rng = np.random.default_rng(0)
    targets = (rng.random((40, 6)) < 0.3).astype(int)
    probabilities = np.clip(targets * 0.4 + rng.random((40, 6)) * 0.6, 0, 1)

    def mean_f1(thresholds):
        predicted = probabilities >= np.array(thresholds)
        return (f1_score(targets, predicted, average="micro", zero_division=0)
                + f1_score(targets, predicted, average="macro", zero_division=0)) / 2

    assert mean_f1(tune_thresholds(probabilities, targets, "micro_macro")) >= \
        mean_f1(tune_thresholds(probabilities, targets, "label"))


def test_unknown_threshold_objective_raises():
    with pytest.raises(ValueError, match="macro_only"):
        tune_thresholds(np.array([[0.9]]), np.array([[1]]), "macro_only")


def test_cls_positive_weights_favour_rare_labels():
    docs = [{"cls": [1, 0, 0]}, {"cls": [1, 1, 0]}, {"cls": [0, 0, 0]}, {"cls": [1, 0, 0]}]
    assert cls_positive_weights(docs, 0) is None
    assert cls_positive_weights(docs, 1.0).tolist() == pytest.approx([1 / 3, 3.0, 1.0])
    assert cls_positive_weights(docs, 0.5).tolist() == pytest.approx([3 ** -0.5, 3 ** 0.5, 1.0])


def test_average_states_elementwise_mean():
    states = [{"w": torch.tensor([1.0, 3.0])}, {"w": torch.tensor([3.0, 5.0])}]
    assert average_states(states)["w"].tolist() == [2.0, 4.0]


def test_frequent_words_skip_padding_unknown():
    docs = [{"windows": [{"word_ids": [5, 1, 7, 5]}, {"word_ids": [9, 7, 0, 0]}]},
            {"windows": [{"word_ids": [1, 1, 1, 9, 4]}]}]
    # 5, 7 and 9 occur twice each and 4 once. Id 0 is padding and 1 is <unk>.
    assert frequent_word_ids(docs, 3) == [5, 7, 9]
    assert frequent_word_ids(docs, 10) == [5, 7, 9, 4]


@pytest.mark.slow
def test_tuned_words_change_only_their_vectors(tmp_path):
    docs = sample_docs()
    config, encoded, table, _ = prepare("navec", tmp_path, docs)
    config["model"]["tune_words"] = 4
    model, config, _ = train(config, encoded, encoded, TRAIN_PARAMS, table)

    embedding = model.encoder.embedding
    tuned = frequent_word_ids(encoded, 4)
    assert embedding.corrections.rows[tuned].tolist() == [1, 2, 3, 4]
    assert torch.equal(embedding.words.weight, table)
    ids = torch.arange(table.shape[0])
    changed = (embedding.vectors(ids) != table).any(dim=1).nonzero().flatten().tolist()
    assert changed == sorted(tuned)

    save_model(model, config, tmp_path)
    loaded, _ = load_model(tmp_path)
    assert torch.equal(loaded.encoder.embedding.vectors(ids), embedding.vectors(ids))


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
    # Either both epochs were averaged (the mean scored higher on dev) or the best epoch is kept alone.
    assert metrics["averaged_epochs"] in ([1, 2], [metrics["best_epoch"]])


def test_head_gradients_repeat_two_threads():
    # One document of 4 windows. Without deterministic kernels, two threads add the gradients of
    # its words in a varying order, and 10 backward passes gave 10 different results.
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(4, 213, 32, generator=generator, requires_grad=True)
    first = torch.rand(4, 213, generator=generator) > 0.1
    window_doc = torch.zeros(4, dtype=torch.long)
    upstream = torch.randn(1, 49, generator=generator)
    head = LabelAttentionHead(32, 49, dropout=0.0)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    make_deterministic()
    gradients = set()
    try:
        for _ in range(10):
            head.zero_grad()
            (head(hidden, first, window_doc, num_docs=1) * upstream).sum().backward()
            gradients.add(head.attention.weight.grad.numpy().tobytes())
    finally:
        torch.set_num_threads(threads)
    assert len(gradients) == 1
