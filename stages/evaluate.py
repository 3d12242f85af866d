"""Stage evaluate@{fp32,int8}: test-split quality, speed and size of one model, plus error analysis.

    python stages/evaluate.py fp32
    python stages/evaluate.py int8

Reads models/{item}/ and data/parsed/{test,train}.jsonl; writes metrics/eval_{item}.json,
predictions/test_{item}.jsonl, reports/errors_{item}.md and plots/errors_{item}/.
"""

import argparse
import logging

import torch

from nerel_mtl.errors import train_label_counts, write_error_analysis
from nerel_mtl.inference import load_predictor
from nerel_mtl.io import read_jsonl, write_json, write_jsonl
from nerel_mtl.metrics import median_seconds, prediction_records, quality_metrics
from nerel_mtl.params import ParamError, load_params, require_positive, section, setup_logging
from nerel_mtl.quantize import directory_size_mb

logger = logging.getLogger("evaluate")

ITEMS = ("fp32", "int8")
MIN_TIMING_RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("item", choices=ITEMS, help="which model folder under models/ to evaluate")
    item = parser.parse_args().item
    setup_logging()

    params = load_params()
    section(params, "evaluate")
    threads = require_positive(params, "evaluate.threads")
    runs = require_positive(params, "evaluate.timing_runs")
    if runs < MIN_TIMING_RUNS:
        raise ParamError(f"evaluate.timing_runs: invalid value {runs}; expected at least {MIN_TIMING_RUNS}")
    examples = require_positive(params, "evaluate.error_examples", allow_zero=True)

    # Loading is not timed: speed covers words to decoded tags and labels only.
    model_dir = f"models/{item}"
    predictor = load_predictor(model_dir, threads=threads)
    test = list(read_jsonl("data/parsed/test.jsonl"))
    inputs = [{"text": doc["text"], "words": doc["words"]} for doc in test]
    words = sum(len(doc["words"]) for doc in test)

    # One warm-up run, then the median of `runs` timed runs over the whole split.
    outputs = predictor.predict(inputs)
    seconds, all_seconds = median_seconds(lambda: predictor.predict(inputs), runs)
    logger.info("%s: %d docs, %d words, median %.3f s of %s", item, len(test), words, seconds,
                [round(value, 3) for value in all_seconds])

    records = prediction_records(test, outputs, predictor.cls_labels)
    write_jsonl(f"predictions/test_{item}.jsonl", records)

    metrics = quality_metrics(records)
    metrics["speed"] = {
        "seconds": seconds,
        "runs_seconds": all_seconds,
        "words_per_second": words / seconds,
        "docs_per_second": len(test) / seconds,
        "words": words,
        "docs": len(test),
        "threads": torch.get_num_threads(),
    }
    metrics["size_mb"] = directory_size_mb(model_dir)
    metrics["size_unit"] = "MB = 10^6 bytes, all files under the model folder"
    metrics["errors"] = write_error_analysis(
        records, test, train_label_counts("data/parsed/train.jsonl"),
        f"reports/errors_{item}.md", f"plots/errors_{item}", examples,
    )
    write_json(f"metrics/eval_{item}.json", metrics)
    print(f"{item}: token F1 {metrics['token']['f1_micro']:.4f}, entity F1 {metrics['entity']['f1']:.4f}, "
          f"cls F1 {metrics['cls']['f1_micro']:.4f}, {seconds:.3f} s, {metrics['size_mb']:.2f} MB")


if __name__ == "__main__":
    main()
