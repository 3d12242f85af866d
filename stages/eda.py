"""Stage eda: corpus statistics, figures and a written summary of data/prepared.

    python stages/eda.py

Writes metrics/eda.json (numbers per split), plots/eda/*.png and reports/eda.md.
"""

import logging
import time
from pathlib import Path

from nerel_mtl import SPLITS
from nerel_mtl.eda_report import plot_all, write_report
from nerel_mtl.io import read_jsonl, write_json
from nerel_mtl.params import load_params, require_positive, section, setup_logging
from nerel_mtl.stats import corpus_stats, metrics_view

INPUT = Path("data/prepared")
METRICS = Path("metrics/eda.json")
PLOTS = Path("plots/eda")
REPORT = Path("reports/eda.md")
logger = logging.getLogger("eda")


def eda(params: dict) -> dict:
    settings = section(params, "eda")
    top_examples = require_positive(params, "eda.top_examples", allow_zero=True)
    # The window and the rarity bound only shape the conclusions of the report.
    window_words = settings.get("window_words", 256)
    rare_count = settings.get("rare_count", 10)
    started = time.perf_counter()

    splits = {split: list(read_jsonl(INPUT / f"{split}.jsonl")) for split in SPLITS}
    stats = corpus_stats(splits, window_words)
    metrics = metrics_view(stats)
    write_json(METRICS, metrics)
    plots = plot_all(stats, PLOTS, window_words)
    write_report(stats, plots, REPORT, window_words, rare_count, top_examples)
    logger.info("eda finished in %.1f seconds", time.perf_counter() - started)
    return metrics


def main(params_path="params.yaml") -> dict:
    setup_logging()
    metrics = eda(load_params(params_path))
    print(f"{'split':<6} {'docs':>5} {'words':>8} {'entities':>9} {'relations':>10} {'nested':>7}")
    for split, values in metrics.items():
        print(f"{split:<6} {values['documents']:>5} {values['words']:>8} {values['entities']:>9} "
              f"{values['relations']:>10} {values['nested_share']:>7.1%}")
    return metrics


if __name__ == "__main__":
    main()
