import pytest
from seqeval.metrics import f1_score as seqeval_f1

from nerel_mtl.io import write_jsonl
from nerel_mtl.metrics import (
    PREDICTION_FIELDS,
    cls_metrics,
    cls_per_label,
    entity_metrics,
    entity_per_type,
    metrics_from_predictions,
    prediction_records,
    strict_entities,
    token_metrics,
)

GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG"]]
PRED = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG", "B-ORG"]]


def test_token_accuracy():
    # 5 of 7 words match: the missed B-LOC and the second B-ORG differ.
    assert token_metrics(GOLD, PRED)["accuracy"] == pytest.approx(5 / 7)


def test_token_micro_equals_accuracy():
    result = token_metrics(GOLD, PRED)
    assert result["f1_micro"] == pytest.approx(result["accuracy"])


def test_token_macro_over_present_labels():
    # Labels in gold or prediction: B-PER 1, I-PER 1, O 2 * 2 / (2 + 3) = 0.8,
    # B-LOC 0, B-ORG 2 * 0.5 * 1 / 1.5 = 2/3, I-ORG 0.
    expected = (1 + 1 + 0.8 + 0 + 2 / 3 + 0) / 6
    assert token_metrics(GOLD, PRED)["f1_macro"] == pytest.approx(expected)


def test_token_length_mismatch():
    with pytest.raises(ValueError, match="document 0"):
        token_metrics([["O", "O"]], [["O"]])


def test_entity_counts():
    # Gold: PER, LOC, ORG. Predicted: PER, ORG(1), ORG(2); only PER is exact.
    result = entity_metrics(GOLD, PRED)
    assert result["gold_entities"] == 3
    assert result["pred_entities"] == 3


def test_entity_micro_scores():
    result = entity_metrics(GOLD, PRED)
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == pytest.approx(1 / 3)
    assert result["f1"] == pytest.approx(1 / 3)


def test_entity_macro_f1():
    # PER 1.0, LOC 0.0, ORG 0.0.
    assert entity_metrics(GOLD, PRED)["f1_macro"] == pytest.approx(1 / 3)


def test_strict_drops_invalid_inside():
    gold = [["B-PER", "I-PER", "O"]]
    pred = [["O", "I-PER", "O"]]
    assert strict_entities(pred) == [[]]
    assert entity_metrics(gold, pred)["f1"] == 0.0


def test_default_mode_accepts_invalid_inside():
    # seqeval's default (conlleval) mode reads the I-PER after O as an entity start,
    # so it matches the one-word gold PER; strict mode does not.
    gold = [["O", "B-PER", "O"]]
    pred = [["O", "I-PER", "O"]]
    assert seqeval_f1(gold, pred) == pytest.approx(1.0)
    assert entity_metrics(gold, pred)["f1"] == 0.0


def test_entity_per_type_rows():
    rows = {row["type"]: row for row in entity_per_type(GOLD, PRED)}
    assert sorted(rows) == ["LOC", "ORG", "PER"]
    assert rows["PER"]["f1"] == pytest.approx(1.0)
    assert rows["ORG"]["precision"] == 0.0
    assert rows["LOC"]["support"] == 1


def test_cls_scores():
    labels = ["A", "B", "C"]
    gold = [["A", "B"], ["C"], []]
    pred = [["A"], ["B", "C"], []]
    result = cls_metrics(gold, pred, labels)
    # True positives A, C; one false positive B; one false negative B.
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1_micro"] == pytest.approx(2 / 3)
    # Per label F1: A 1, B 0, C 1.
    assert result["f1_macro"] == pytest.approx(2 / 3)
    # Per document F1: 2/3, 2/3 and 0 for the empty document (zero_division=0).
    assert result["f1_samples"] == pytest.approx(4 / 9)
    assert result["subset_accuracy"] == pytest.approx(1 / 3)
    # 2 wrong cells out of 9.
    assert result["hamming_accuracy"] == pytest.approx(7 / 9)


def test_cls_macro_counts_absent_labels():
    result = cls_metrics([["A"]], [["A"]], ["A", "B"])
    assert result["f1_macro"] == pytest.approx(0.5)


def test_cls_unknown_label():
    with pytest.raises(ValueError, match="'Z'"):
        cls_metrics([["Z"]], [[]], ["A"])


def test_cls_per_label_support():
    rows = cls_per_label([["A", "B"], ["A"]], [["A"], []], ["A", "B"])
    assert [row["support"] for row in rows] == [2, 1]
    assert rows[1]["f1"] == 0.0


def test_recompute_from_file(tmp_path):
    path = tmp_path / "test_fp32.jsonl"
    write_jsonl(path, [
        {
            "id": "1", "words": [[0, 1], [2, 3], [4, 5], [6, 7]],
            "gold_tags": GOLD[0], "pred_tags": PRED[0],
            "gold_cls": ["A"], "pred_cls": ["A"], "cls_scores": {"A": 0.9, "B": 0.1},
        },
        {
            "id": "2", "words": [[0, 1], [2, 3], [4, 5]],
            "gold_tags": GOLD[1], "pred_tags": PRED[1],
            "gold_cls": ["B"], "pred_cls": [], "cls_scores": {"A": 0.2, "B": 0.3},
        },
    ])
    result = metrics_from_predictions(path)
    assert result["token"]["accuracy"] == pytest.approx(5 / 7)
    assert result["entity"]["f1"] == pytest.approx(1 / 3)
    assert result["cls"]["f1_macro"] == pytest.approx(0.5)


def test_recompute_rejects_short_tags(tmp_path):
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, [{
        "id": "7", "words": [[0, 1]], "gold_tags": ["O"], "pred_tags": [],
        "gold_cls": [], "pred_cls": [], "cls_scores": {},
    }])
    with pytest.raises(ValueError, match="'7'"):
        metrics_from_predictions(path)


def test_prediction_records_pair_gold():
    test = [{"id": "7", "words": [[0, 4], [5, 9]], "ner_tags": ["B-CITY", "O"], "cls_labels": ["AGE_IS"]}]
    outputs = [{"tags": ["B-CITY", "B-CITY"], "cls_labels": [], "cls_scores": [0.41234, 0.9]}]

    records = prediction_records(test, outputs, ["AGE_IS", "WORKS_AS"])

    assert tuple(records[0]) == PREDICTION_FIELDS
    assert records[0]["gold_tags"] == ["B-CITY", "O"]
    assert records[0]["pred_tags"] == ["B-CITY", "B-CITY"]
    assert records[0]["cls_scores"] == {"AGE_IS": 0.4123, "WORKS_AS": 0.9}


def test_prediction_records_reject_short_tags():
    test = [{"id": "7", "words": [[0, 4], [5, 9]], "ner_tags": ["B-CITY", "O"], "cls_labels": []}]
    outputs = [{"tags": ["O"], "cls_labels": [], "cls_scores": []}]
    with pytest.raises(ValueError, match="document 7: 1 predicted tags for 2 words"):
        prediction_records(test, outputs, [])
