import json
from collections import Counter

import pytest

from nerel_mtl import errors
from nerel_mtl.errors import (
    classify_entity_errors,
    nested_entity_counts,
    token_confusion_records,
    type_confusions,
    write_error_analysis,
)

TEXT = "Иван Петров работает в Москве , а Мария в ООО Ромашка ."
WORDS = [[0, 4], [5, 11], [12, 20], [21, 22], [23, 29], [30, 31], [32, 33], [34, 39], [40, 41],
         [42, 45], [46, 53], [54, 55]]
GOLD = ["B-PERSON", "I-PERSON", "O", "O", "B-CITY", "O", "O", "B-PERSON", "O",
        "B-ORGANIZATION", "I-ORGANIZATION", "O"]
# Boundary (PERSON cut short), type (CITY read as COUNTRY), missed (Мария),
# boundary_type (ORGANIZATION read as a one-word CITY) and one spurious word (работает).
PRED = ["B-PERSON", "O", "B-PROFESSION", "O", "B-COUNTRY", "O", "O", "O", "O",
        "O", "B-CITY", "O"]


def record(doc_id="1", gold=GOLD, pred=PRED):
    return {
        "id": doc_id, "words": WORDS, "gold_tags": gold, "pred_tags": pred,
        "gold_cls": ["WORKS_AS"], "pred_cls": [], "cls_scores": {"WORKS_AS": 0.4, "LOCATED_IN": 0.1},
    }


def parsed_doc(doc_id="1"):
    return {
        "id": doc_id, "text": TEXT, "words": WORDS, "ner_tags": GOLD, "cls_labels": ["WORKS_AS"],
        "entities": [
            {"id": "T1", "type": "PERSON", "fragments": [[0, 11]], "text": "Иван Петров"},
            {"id": "T2", "type": "CITY", "fragments": [[23, 29]], "text": "Москве"},
            {"id": "T3", "type": "PERSON", "fragments": [[34, 39]], "text": "Мария"},
            {"id": "T4", "type": "ORGANIZATION", "fragments": [[42, 53]], "text": "ООО Ромашка"},
            {"id": "T5", "type": "ORGANIZATION", "fragments": [[46, 53]], "text": "Ромашка"},
        ],
        "relations": [],
    }


def test_error_kinds():
    kinds = Counter(error["kind"] for error in classify_entity_errors([GOLD], [PRED]))
    assert kinds == {"boundary": 1, "type": 1, "boundary_type": 1, "missed": 1, "spurious": 1}


def test_exact_match_no_errors():
    assert classify_entity_errors([GOLD], [GOLD]) == []


def test_type_confusions():
    confusions = type_confusions(classify_entity_errors([GOLD], [PRED]))
    assert confusions == {("CITY", "COUNTRY"): 1, ("ORGANIZATION", "CITY"): 1}


def test_nested_inner_count():
    counts = nested_entity_counts([parsed_doc()])
    assert counts["total"] == 5
    assert counts["inner"] == 1
    assert counts["outermost"] == 4
    assert counts["inner_by_type"] == {"ORGANIZATION": 1}


def test_nested_equal_extent_once():
    doc = {"entities": [
        {"type": "A", "fragments": [[0, 5]]},
        {"type": "B", "fragments": [[0, 5]]},
    ]}
    assert nested_entity_counts([doc])["inner"] == 1


def test_nested_crossing():
    doc = {"entities": [
        {"type": "A", "fragments": [[0, 5]]},
        {"type": "B", "fragments": [[3, 9]]},
    ]}
    counts = nested_entity_counts([doc])
    assert counts["crossing"] == 2
    assert counts["inner"] == 0


def test_nested_discontinuous_extent():
    doc = {"entities": [
        {"type": "A", "fragments": [[0, 3], [7, 9]]},
        {"type": "B", "fragments": [[4, 6]]},
    ]}
    assert nested_entity_counts([doc])["inner"] == 1


def test_confusion_strips_prefixes():
    records, restricted = token_confusion_records([record()])
    assert records[0] == {"actual": "PERSON", "predicted": "PERSON"}
    assert records[1] == {"actual": "PERSON", "predicted": "O"}
    assert len(records) == len(WORDS)
    assert restricted is False


def test_confusion_restricted_when_large(monkeypatch):
    monkeypatch.setattr(errors, "MAX_CONFUSION_RECORDS", 5)
    records, restricted = token_confusion_records([record()])
    assert restricted is True
    # Words 3, 5, 6, 8 and 11 are O on both sides.
    assert len(records) == len(WORDS) - 5


@pytest.fixture
def analysis(tmp_path):
    report = tmp_path / "reports" / "errors_fp32.md"
    plots = tmp_path / "plots" / "errors_fp32"
    summary = write_error_analysis(
        [record("1"), record("2", gold=GOLD, pred=GOLD)], [parsed_doc("1"), parsed_doc("2")],
        Counter({"WORKS_AS": 12, "LOCATED_IN": 3}), report, plots, examples=2,
    )
    return summary, report.read_text(encoding="utf-8"), plots


def test_report_sections(analysis):
    _, text, _ = analysis
    for heading in ("Entities per type", "Entity errors", "type confusions", "Nested entities",
                    "Document labels", "Examples"):
        assert heading in text


def test_report_worst_type_first(analysis):
    _, text, _ = analysis
    # CITY: one exact in document 2, one wrong prediction in document 1 (precision 0.5).
    rows = [line for line in text.splitlines() if line.startswith("| ") and "|---" not in line]
    assert rows[1].startswith("| COUNTRY |")


def test_report_example_context(analysis):
    _, text, _ = analysis
    assert "gold PERSON «Иван Петров»" in text
    assert "predicted PERSON «Иван»" in text


def test_report_train_frequency(analysis):
    _, text, _ = analysis
    assert "| WORKS_AS | 12 | 2 |" in text


def test_summary_counts(analysis):
    summary, _, _ = analysis
    assert summary["entity_errors"]["missed"] == 1
    assert summary["nested"]["inner"] == 2


def test_plot_files(analysis):
    _, _, plots = analysis
    for name in ("confusion.png", "confusion.json", "entity_f1.png", "entity_per_type.csv"):
        assert (plots / name).stat().st_size > 0


def test_confusion_json_records(analysis):
    _, _, plots = analysis
    data = json.loads((plots / "confusion.json").read_text(encoding="utf-8"))
    assert len(data) == 2 * len(WORDS)


def test_per_type_csv_header(analysis):
    _, _, plots = analysis
    header = (plots / "entity_per_type.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "type,precision,recall,f1,support"
