"""Measure inference speed of the FP32 and INT8 models side by side, in words per second.

    python benchmarks/speed.py
    python benchmarks/speed.py --threads 1 2 --runs 3 --output reports/benchmarks_speed.json

For each thread count both predictors run Predictor.predict over the whole split: one warm-up pass
on the first documents, then `--runs` timed passes. The passes alternate FP32 and INT8 so that both
see the same machine load, and the median pass counts. Times depend on the machine, so the script prints the
CPU, core count, torch version and quantized engine next to the numbers.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from nerel_mtl.io import read_jsonl

INT8_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")


def machine_info() -> dict:
    """Describe the CPU and torch build that the timings were measured on."""
    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "int8_flags": [flag for flag in INT8_FLAGS if flag in flags],
        "torch": torch.__version__,
        "quantized_engine": torch.backends.quantized.engine,
        "supported_engines": list(torch.backends.quantized.supported_engines),
    }


def time_predict(predictor, docs: list[dict], batch_words: int) -> float:
    started = time.perf_counter()
    predictor.predict(docs, batch_words=batch_words)
    return time.perf_counter() - started


def measure(model_dirs: dict, docs: list[dict], threads: int, runs: int, batch_words: int) -> dict:
    """Return the median seconds per pass over `docs` for each model folder at `threads` threads."""
    from nerel_mtl.inference import load_predictor

    predictors = {name: load_predictor(path, threads=threads) for name, path in model_dirs.items()}
    torch.set_num_threads(threads)  # load_predictor sets torch's global thread count, so set it again
    for predictor in predictors.values():
        predictor.predict(docs[:5], batch_words=batch_words)

    seconds = {name: [] for name in predictors}
    for _ in range(runs):
        for name, predictor in predictors.items():
            seconds[name].append(time_predict(predictor, docs, batch_words))
    return {name: statistics.median(values) for name, values in seconds.items()}


def speed_table(words: int, results: dict) -> list[dict]:
    """Turn {threads: {"fp32": seconds, "int8": seconds}} into rows with words/s and speed-up."""
    rows = []
    for threads, seconds in sorted(results.items()):
        row = {"threads": threads}
        for name, value in seconds.items():
            row[f"{name}_seconds"] = round(value, 3)
            row[f"{name}_words_per_second"] = round(words / value, 1)
        row["int8_speedup"] = round(seconds["fp32"] / seconds["int8"], 3)
        rows.append(row)
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fp32", default="models/fp32", help="FP32 model folder")
    parser.add_argument("--int8", default="models/int8", help="INT8 model folder")
    parser.add_argument("--data", default="data/parsed/test.jsonl", help="parsed split (JSON Lines)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts")
    parser.add_argument("--runs", type=int, default=3, help="timed passes per model; median counts")
    parser.add_argument("--batch-words", type=int, default=4000, help="words per batch")
    parser.add_argument("--max-docs", type=int, default=0, help="first N documents only; 0: all")
    parser.add_argument("--output", help="optional JSON file for the results")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    for path in (args.fp32, args.int8, args.data):
        if not Path(path).exists():
            sys.exit(f"{path}: not found; run `dvc repro quantize` first")
    docs = [{"text": doc["text"], "words": doc["words"]} for doc in read_jsonl(args.data)]
    if args.max_docs:
        docs = docs[: args.max_docs]
    words = sum(len(doc["words"]) for doc in docs)

    model_dirs = {"fp32": args.fp32, "int8": args.int8}
    results = {t: measure(model_dirs, docs, t, args.runs, args.batch_words) for t in args.threads}
    rows = speed_table(words, results)
    info = machine_info()

    print(f"{info['cpu']}, {info['cpus']} CPUs, INT8 flags: {' '.join(info['int8_flags']) or '-'}")
    print(f"torch {info['torch']}, quantized engine {info['quantized_engine']}")
    print(f"{len(docs)} documents, {words} words, median of {args.runs} passes")
    print(f"{'threads':>7} {'fp32 words/s':>13} {'int8 words/s':>13} {'int8/fp32':>10}")
    for row in rows:
        print(f"{row['threads']:>7} {row['fp32_words_per_second']:>13.0f} "
              f"{row['int8_words_per_second']:>13.0f} {row['int8_speedup']:>10.2f}")

    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        report = {"machine": info, "documents": len(docs), "words": words, "runs": args.runs,
                  "batch_words": args.batch_words, "results": rows}
        Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
