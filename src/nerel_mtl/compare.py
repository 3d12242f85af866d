"""FP32 against INT8: metric deltas, the quantization targets, a Markdown table and bar charts."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TASKS = ("token", "entity", "cls")

# Quality metrics compared between the two models, per task.
QUALITY_METRICS = {
    "token": ("f1_micro", "f1_macro", "precision", "recall", "accuracy"),
    "entity": ("f1", "f1_macro", "precision", "recall"),
    "cls": ("f1_micro", "f1_macro", "precision", "recall", "f1_samples", "subset_accuracy", "hamming_accuracy"),
}

# Table rows: the row name and the metric key per task (None where the task has no such metric).
TABLE_ROWS = (
    ("F1_micro", {"token": "f1_micro", "entity": "f1", "cls": "f1_micro"}),
    ("F1_macro", {"token": "f1_macro", "entity": "f1_macro", "cls": "f1_macro"}),
    ("Precision", {"token": "precision", "entity": "precision", "cls": "precision"}),
    ("Recall", {"token": "recall", "entity": "recall", "cls": "recall"}),
    ("Accuracy", {"token": "accuracy", "entity": None, "cls": "subset_accuracy"}),
)

MIN_SPEEDUP = 2.0
MIN_SIZE_RATIO = 3.0
MAX_QUALITY_DROP = 0.005  # 0.5 points of a metric in [0, 1]


def compare_models(fp32: dict, int8: dict) -> dict:
    """Compare two `metrics/eval_{fp32,int8}.json` dicts.

    Deltas are int8 - fp32. A quality check passes when INT8 loses at most 0.5 points, and a
    gain of any size passes. Its margin is the delta plus 0.005, so a negative margin fails.
    """
    deltas = {
        task: {key: int8[task][key] - fp32[task][key] for key in QUALITY_METRICS[task]}
        for task in TASKS
    }
    speedup = fp32["speed"]["seconds"] / int8["speed"]["seconds"]
    size_ratio = fp32["size_mb"] / int8["size_mb"]
    checks = {
        "speedup": _check(speedup, speedup - MIN_SPEEDUP, f">= {MIN_SPEEDUP}x"),
        "size_ratio": _check(size_ratio, size_ratio - MIN_SIZE_RATIO, f">= {MIN_SIZE_RATIO}x"),
    }
    for task in TASKS:
        for key, delta in deltas[task].items():
            checks[f"{task}.{key}"] = _check(delta, delta + MAX_QUALITY_DROP, ">= -0.005")
    return {
        "fp32": _summary(fp32),
        "int8": _summary(int8),
        "delta": deltas,
        "speedup": speedup,
        "size_ratio": size_ratio,
        "checks": checks,
        "all_passed": all(check["passed"] for check in checks.values()),
    }


def _check(value: float, margin: float, target: str) -> dict:
    return {"value": value, "target": target, "margin": margin, "passed": margin >= 0}


def _summary(metrics: dict) -> dict:
    summary = {task: {key: metrics[task][key] for key in QUALITY_METRICS[task]} for task in TASKS}
    summary["seconds"] = metrics["speed"]["seconds"]
    summary["words_per_second"] = metrics["speed"]["words_per_second"]
    summary["size_mb"] = metrics["size_mb"]
    return summary


def comparison_table(fp32: dict, int8: dict) -> str:
    """Render the FP32/INT8 table of the three tasks as Markdown, with the model sizes below it."""
    header = ["metric"] + [f"{model}_{task}" for task in TASKS for model in ("FP32", "INT8")]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for name, keys in TABLE_ROWS:
        cells = [name]
        for task in TASKS:
            for metrics in (fp32, int8):
                key = keys[task]
                cells.append("-" if key is None else f"{metrics[task][key]:.4f}")
        lines.append("| " + " | ".join(cells) + " |")
    seconds = [f"{metrics['speed']['seconds']:.3f}" for metrics in (fp32, int8)]
    lines.append("| inference seconds | " + " | ".join(seconds * len(TASKS)) + " |")
    return "\n".join(lines)


def render_report(fp32: dict, int8: dict, comparison: dict) -> str:
    lines = [
        "# FP32 vs INT8 on the NEREL test split", "",
        comparison_table(fp32, int8), "",
        "Entity figures are seqeval strict IOB2 (micro F1 in the F1_micro row). Accuracy for cls "
        "is subset accuracy (every label of a document right). Inference seconds cover the whole "
        "test split from words to decoded tags and labels, one run for both tasks, so the value "
        "repeats in each column.", "",
        f"Model size: FP32 {fp32['size_mb']:.2f} MB, INT8 {int8['size_mb']:.2f} MB "
        "(MB = 10^6 bytes, all files of the model folder).", "",
        "## Targets", "",
        "| check | value | target | margin | passed |", "|---|---:|---|---:|---|",
    ]
    for name, check in comparison["checks"].items():
        lines.append(
            f"| {name} | {check['value']:.4f} | {check['target']} | {check['margin']:+.4f} | "
            f"{'yes' if check['passed'] else 'no'} |"
        )
    lines += [
        "",
        "Quality checks compare int8 - fp32 and pass when INT8 loses at most 0.5 points.",
        f"All targets met: {'yes' if comparison['all_passed'] else 'no'}.", "",
    ]
    return "\n".join(lines)


def comparison_rows(fp32: dict, int8: dict) -> list[dict]:
    """Return one row per model and metric for DVC's bar_horizontal template."""
    rows = []
    for name, keys in TABLE_ROWS:
        for task in TASKS:
            key = keys[task]
            if key is None:
                continue
            for model, metrics in (("FP32", fp32), ("INT8", int8)):
                rows.append({"metric": f"{task} {name} {model}", "value": round(metrics[task][key], 4),
                             "task": task, "model": model})
    return rows


def write_plots(fp32: dict, int8: dict, plots_dir) -> None:
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    rows = comparison_rows(fp32, int8)
    with (plots_dir / "compare.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["metric", "value", "task", "model"])
        writer.writeheader()
        writer.writerows(rows)

    _plot_quality(fp32, int8, plots_dir / "quality.png")
    _plot_pair(
        [fp32["speed"]["seconds"], int8["speed"]["seconds"]], "test split inference, seconds",
        plots_dir / "speed.png",
    )
    _plot_pair([fp32["size_mb"], int8["size_mb"]], "model size, MB (10^6 bytes)", plots_dir / "size.png")


def _plot_quality(fp32: dict, int8: dict, path) -> None:
    names = []
    values = {"FP32": [], "INT8": []}
    for name, keys in TABLE_ROWS:
        for task in TASKS:
            if keys[task] is None:
                continue
            names.append(f"{task} {name}")
            values["FP32"].append(fp32[task][keys[task]])
            values["INT8"].append(int8[task][keys[task]])
    positions = range(len(names))
    figure, axes = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    axes.barh([p - 0.2 for p in positions], values["FP32"], height=0.4, label="FP32")
    axes.barh([p + 0.2 for p in positions], values["INT8"], height=0.4, label="INT8")
    axes.set_yticks(list(positions), names)
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.legend()
    axes.set_title("FP32 vs INT8 quality (test)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _plot_pair(values, label, path) -> None:
    figure, axes = plt.subplots(figsize=(5, 2))
    axes.barh(["FP32", "INT8"], values, color=["tab:blue", "tab:orange"])
    axes.invert_yaxis()
    axes.set_xlabel(label)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
