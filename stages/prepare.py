"""Stage prepare: read NEREL v1.1 (brat folder or Hugging Face JSONL) into data/prepared.

    NEREL_DIR=/path/to/NEREL-v1.1 python stages/prepare.py

Writes data/prepared/{train,dev,test}.jsonl (one document per line: id, text, and entities,
relations, links as brat lines) and data/prepared/report.json (documents, annotation counts and
skipped or suspicious annotation lines per split).
"""

import logging
import sys
import time
from pathlib import Path

from nerel_mtl.io import write_json, write_jsonl
from nerel_mtl.nerel import DataError, read_corpus, resolve_source, verify_corpus
from nerel_mtl.params import ParamError, load_params, require_choice, require_positive, section, setup_logging

OUTPUT = Path("data/prepared")
logger = logging.getLogger("prepare")


def prepare(params: dict, output=OUTPUT) -> dict:
    data = section(params, "data")
    format = require_choice(params, "data.format", ["brat", "jsonl"])
    max_docs = require_positive(params, "data.max_docs", allow_zero=True)
    verify = data.get("verify", True)
    if verify and format != "brat":
        raise ParamError("data.verify: the SHA-256 manifest covers brat files only; set it to false for jsonl")

    started = time.perf_counter()
    root = resolve_source(data.get("nerel_dir") or "")
    verification = verify_corpus(root) if verify else {"verified_files": 0}
    splits, report = read_corpus(root, format=format, max_docs=max_docs)

    output = Path(output)
    for split, records in splits.items():
        write_jsonl(output / f"{split}.jsonl", records)
    report = {"source": str(root), "format": format, **verification, "splits": report}
    write_json(output / "report.json", report)
    logger.info("prepared %s in %.1f seconds", output, time.perf_counter() - started)
    return report


def main(params_path="params.yaml") -> dict:
    setup_logging()
    report = prepare(load_params(params_path))
    print(f"{'split':<6} {'docs':>5} {'entities':>9} {'relations':>10} {'problems':>9}")
    for split, counts in report["splits"].items():
        problems = sum(counts["problems"].values())
        print(f"{split:<6} {counts['documents']:>5} {counts['entities']:>9} {counts['relations']:>10} {problems:>9}")
    return report


if __name__ == "__main__":
    try:
        main()
    except (DataError, ParamError) as error:
        # The error message already names the fix, and a traceback would only bury it.
        logger.error("%s", error)
        sys.exit(1)
