import csv

import pytest

from nerel_mtl.compare import compare_models, comparison_table, render_report, write_plots
from nerel_mtl.html_report import highlight, render_page


def eval_metrics(scale=1.0, seconds=10.0, size_mb=40.0):
    return {
        "token": {"f1_micro": 0.95 * scale, "f1_macro": 0.60 * scale, "precision": 0.95 * scale,
                  "recall": 0.95 * scale, "accuracy": 0.95 * scale},
        "entity": {"f1": 0.80 * scale, "f1_macro": 0.55 * scale, "precision": 0.82 * scale,
                   "recall": 0.78 * scale},
        "cls": {"f1_micro": 0.70 * scale, "f1_macro": 0.30 * scale, "precision": 0.75 * scale,
                "recall": 0.65 * scale, "f1_samples": 0.68 * scale, "subset_accuracy": 0.05 * scale,
                "hamming_accuracy": 0.97 * scale},
        "speed": {"seconds": seconds, "words_per_second": 6000 / seconds},
        "size_mb": size_mb,
    }


FP32 = eval_metrics()
INT8 = eval_metrics(scale=0.999, seconds=4.0, size_mb=10.0)


def test_speedup_and_ratio():
    result = compare_models(FP32, INT8)
    assert result["speedup"] == pytest.approx(2.5)
    assert result["size_ratio"] == pytest.approx(4.0)


def test_speed_check_margin():
    check = compare_models(FP32, INT8)["checks"]["speedup"]
    assert check["margin"] == pytest.approx(0.5)
    assert check["passed"] is True


def test_quality_delta():
    # 0.1 % of 0.80 is a drop of 0.0008, well inside 0.5 points.
    result = compare_models(FP32, INT8)
    assert result["delta"]["entity"]["f1"] == pytest.approx(-0.0008)
    assert result["checks"]["entity.f1"]["passed"] is True
    assert result["all_passed"] is True


def test_quality_drop_fails():
    worse = eval_metrics(seconds=4.0, size_mb=10.0)
    worse["entity"]["f1"] -= 0.006
    check = compare_models(FP32, worse)["checks"]["entity.f1"]
    assert check["passed"] is False
    assert check["margin"] == pytest.approx(-0.001)


def test_slow_int8_fails():
    slow = eval_metrics(seconds=6.0, size_mb=10.0)
    result = compare_models(FP32, slow)
    assert result["checks"]["speedup"]["passed"] is False
    assert result["all_passed"] is False


def test_table_dash_for_entity_accuracy():
    accuracy = next(line for line in comparison_table(FP32, INT8).splitlines() if line.startswith("| Accuracy"))
    cells = [cell.strip() for cell in accuracy.strip("|").split("|")]
    assert cells == ["Accuracy", "0.9500", f"{0.95 * 0.999:.4f}", "-", "-", "0.0500", "0.0500"]


def test_table_header():
    header = comparison_table(FP32, INT8).splitlines()[0]
    assert header == "| metric | FP32_token | INT8_token | FP32_entity | INT8_entity | FP32_cls | INT8_cls |"


def test_table_seconds_row():
    assert "| inference seconds | 10.000 | 4.000 |" in comparison_table(FP32, INT8)


def test_report_mentions_size_and_accuracy():
    text = render_report(FP32, INT8, compare_models(FP32, INT8))
    assert "FP32 40.00 MB, INT8 10.00 MB" in text
    assert "subset accuracy" in text


def test_plots_and_csv(tmp_path):
    write_plots(FP32, INT8, tmp_path)
    with (tmp_path / "compare.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows[0] == {"metric": "token F1_micro FP32", "value": "0.95", "task": "token", "model": "FP32"}
    # 14 metrics (no entity accuracy) for two models.
    assert len(rows) == 28
    for name in ("quality.png", "speed.png", "size.png"):
        assert (tmp_path / name).stat().st_size > 0


TEXT = "<b>Иван</b> & Москва"
WORDS = [[0, 3], [3, 7], [7, 11], [12, 13], [14, 20]]


def prediction(pred_tags):
    return {"id": "5", "words": WORDS, "gold_tags": ["O", "B-PERSON", "O", "O", "B-CITY"],
            "pred_tags": pred_tags, "gold_cls": [], "pred_cls": [], "cls_scores": {}}


def test_highlight_escapes_text():
    body = highlight(TEXT, WORDS, {("PERSON", 1, 2)})
    assert "&lt;b&gt;" in body
    assert "&amp;" in body
    assert "<b>" not in body


def test_highlight_keeps_all_text():
    body = highlight(TEXT, WORDS, {("PERSON", 1, 2), ("CITY", 4, 5)})
    assert body.count("<mark") == 2
    assert "Москва<sub>CITY</sub>" in body


def test_page_self_contained():
    fp32 = prediction(["O", "B-PERSON", "O", "O", "B-CITY"])
    int8 = prediction(["O", "B-PERSON", "O", "O", "B-COUNTRY"])
    page = render_page({"5": TEXT}, [fp32], [int8], documents=10)
    assert "<style>" in page
    assert "http" not in page
    assert "<script" not in page
    assert 'class="wrong"' in page
    assert "COUNTRY</span>" in page


@pytest.mark.slow
def test_stages_evaluate_compare(tmp_path, repo_root):
    """Run stages/evaluate.py for both models and stages/compare.py on a two-document split."""
    import json
    import shutil
    import subprocess
    import sys

    from helpers_model import build_tiny_model

    from nerel_mtl.bio import ner_labels
    from nerel_mtl.io import write_jsonl

    text = "Иван Петров живёт в Москве."
    doc = {
        "id": "1", "text": text, "words": [[0, 4], [5, 11], [12, 17], [18, 19], [20, 26], [26, 27]],
        "ner_tags": ["B-PERSON", "I-PERSON", "O", "O", "B-CITY", "O"],
        "entities": [{"id": "T1", "type": "PERSON", "fragments": [[0, 11]], "text": "Иван Петров"},
                     {"id": "T2", "type": "CITY", "fragments": [[20, 26]], "text": "Москве"}],
        "relations": [], "cls_labels": ["LIVES_IN"],
    }
    write_jsonl(tmp_path / "data/parsed/test.jsonl", [doc, {**doc, "id": "2", "cls_labels": []}])
    write_jsonl(tmp_path / "data/parsed/train.jsonl", [doc])
    labels = ner_labels(["CITY", "PERSON"])
    build_tiny_model(tmp_path / "models/fp32", labels, ["LIVES_IN", "WORKS_AS"])
    shutil.copytree(tmp_path / "models/fp32", tmp_path / "models/int8")
    (tmp_path / "params.yaml").write_text(
        "evaluate:\n  threads: 1\n  timing_runs: 3\n  error_examples: 2\n  html_documents: 1\n",
        encoding="utf-8",
    )

    for command in (["evaluate.py", "fp32"], ["evaluate.py", "int8"], ["compare.py"]):
        subprocess.run([sys.executable, str(repo_root / "stages" / command[0]), *command[1:]],
                       cwd=tmp_path, check=True, capture_output=True)

    metrics = json.loads((tmp_path / "metrics/eval_fp32.json").read_text(encoding="utf-8"))
    # Every word is tagged B-PERSON (the fourth label), so only the first word is right: 1 of 6.
    assert metrics["token"]["accuracy"] == pytest.approx(1 / 6)
    assert metrics["entity"]["pred_entities"] == 12
    assert metrics["speed"]["threads"] == 1
    assert metrics["size_mb"] > 0
    compare = json.loads((tmp_path / "metrics/compare.json").read_text(encoding="utf-8"))
    assert compare["delta"]["entity"]["f1"] == 0.0
    for path in ("reports/compare.md", "reports/errors.html", "reports/errors_int8.md",
                 "plots/compare/compare.csv", "plots/errors_fp32/confusion.png",
                 "predictions/test_int8.jsonl"):
        assert (tmp_path / path).is_file(), path
