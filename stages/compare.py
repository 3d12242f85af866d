"""Stage compare: FP32 against INT8 on the test split.

    python stages/compare.py

Reads metrics/eval_{fp32,int8}.json, predictions/test_{fp32,int8}.jsonl and data/parsed/test.jsonl;
writes metrics/compare.json, reports/compare.md, reports/errors.html and plots/compare/.
"""

from pathlib import Path

from nerel_mtl.compare import compare_models, comparison_table, render_report, write_plots
from nerel_mtl.html_report import render_page
from nerel_mtl.io import read_json, read_jsonl, write_json
from nerel_mtl.metrics import load_predictions
from nerel_mtl.params import load_params, require_positive, section, setup_logging


def main() -> None:
    setup_logging()
    params = load_params()
    section(params, "evaluate")
    documents = require_positive(params, "evaluate.html_documents")

    fp32 = read_json("metrics/eval_fp32.json")
    int8 = read_json("metrics/eval_int8.json")
    comparison = compare_models(fp32, int8)
    write_json("metrics/compare.json", comparison)
    Path("reports").mkdir(exist_ok=True)
    Path("reports/compare.md").write_text(render_report(fp32, int8, comparison), encoding="utf-8")
    write_plots(fp32, int8, "plots/compare")

    texts = {doc["id"]: doc["text"] for doc in read_jsonl("data/parsed/test.jsonl")}
    page = render_page(
        texts,
        load_predictions("predictions/test_fp32.jsonl"),
        load_predictions("predictions/test_int8.jsonl"),
        documents,
    )
    Path("reports/errors.html").write_text(page, encoding="utf-8")

    print(comparison_table(fp32, int8))
    print(f"\nsize MB: FP32 {fp32['size_mb']:.2f}, INT8 {int8['size_mb']:.2f}; "
          f"speed-up {comparison['speedup']:.2f}x; size ratio {comparison['size_ratio']:.2f}x; "
          f"all targets met: {comparison['all_passed']}")


if __name__ == "__main__":
    main()
