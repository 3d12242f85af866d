import importlib.util
from collections import Counter
from pathlib import Path

import yaml

from nerel_mtl.io import read_json
from nerel_mtl.stats import analyze_document, by_count, corpus_stats, metrics_view

STAGES = Path(__file__).resolve().parent.parent / "stages"
TEXT = "Банк России открыл офис в Москве. Москвичи рады."


def load_stage(name):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", STAGES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def document(*entities, relations=()):
    return {"id": "1", "text": TEXT, "entities": list(entities), "relations": list(relations), "links": []}


def test_nested_depth():
    result = analyze_document(document("T1\tORGANIZATION 0 11\tБанк России", "T2\tCOUNTRY 5 11\tРоссии"))
    assert result["depths"] == [0, 1]


def test_crossing_pair():
    result = analyze_document(document("T1\tORGANIZATION 0 11\tБанк России", "T2\tEVENT 5 18\tРоссии открыл"))
    assert result["crossing_pairs"] == 1
    assert result["depths"] == [0, 0]


def test_duplicate_not_nested():
    result = analyze_document(document("T1\tCITY 26 32\tМоскве", "T2\tCITY 26 32\tМоскве"))
    assert result["duplicates"] == 1
    assert result["depths"] == [0, 0]


def test_discontinuous_counted():
    result = analyze_document(document("T1\tORGANIZATION 0 4;26 32\tБанк Москве"))
    assert result["discontinuous"] == 1


def test_boundary_inside_word():
    result = analyze_document(document("T1\tCITY 34 40\tМоскви"))
    assert result["boundary_inside_word"] == 1


def test_cls_labels_distinct():
    relations = ["R1\tLOCATED_IN Arg1:T1 Arg2:T2", "R2\tLOCATED_IN Arg1:T2 Arg2:T1"]
    result = analyze_document(document("T1\tCITY 26 32\tМоскве", "T2\tCOUNTRY 5 11\tРоссии", relations=relations))
    assert result["cls_labels"] == {"LOCATED_IN"}


def test_metrics_view_numbers_only():
    stats = corpus_stats({"train": [document("T1\tCITY 26 32\tМоскве")]}, window_words=5)
    metrics = metrics_view(stats)["train"]
    assert "document_lengths" not in metrics
    assert metrics["documents_over_window"] == 1
    assert metrics["document_words"]["max"] == 10


def test_eda_stage_outputs(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = {"data": {"format": "brat", "nerel_dir": str(fixtures_dir / "nerel_mini"), "max_docs": 0,
                       "verify": False}, "eda": {"top_examples": 5}}
    Path("params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    load_stage("prepare").main()
    load_stage("eda").main()

    metrics = read_json("metrics/eda.json")
    report = Path("reports/eda.md").read_text(encoding="utf-8")
    assert metrics["train"]["documents"] == 6
    assert metrics["train"]["nested_entities"] >= 1
    assert metrics["train"]["entity_types"]["PERSON"] >= 6
    for name in ("entity_types", "relation_types", "document_length", "labels_per_document", "nesting_depth"):
        assert Path(f"plots/eda/{name}.png").stat().st_size > 1000
        assert f"](../plots/eda/{name}.png)" in report
    assert f"{metrics['train']['nested_share']:.1%}" in report


def test_by_count_orders_ties_by_name():
    ordered = by_count(Counter({"WORKPLACE": 5, "LOCATED_IN": 2, "AGE_IS": 2, "HAS_CAUSE": 7}))
    assert list(ordered) == ["HAS_CAUSE", "WORKPLACE", "AGE_IS", "LOCATED_IN"]
    assert ordered["AGE_IS"] == 2
