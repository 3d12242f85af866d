"""Stage parse: turn data/prepared documents into word-level training examples in data/parsed.

    python stages/parse.py

Writes data/parsed/{train,dev,test}.jsonl (words, IOB2 tags, entities, relations, CLS labels),
data/parsed/labels.json (NER labels from the training split, "O" first; CLS labels seen in at
least parse.cls_min_docs training documents, and the dropped ones) and data/parsed/report.json
(counts per split: annotation lines skipped at prepare, mention mismatches, entities that the
flat IOB2 tags cannot show, by reason).
"""

import logging
import time
from pathlib import Path

from nerel_mtl import SPLITS
from nerel_mtl.examples import build_examples_from_nerel, build_labels
from nerel_mtl.io import read_json, read_jsonl, write_json, write_jsonl
from nerel_mtl.params import load_params, require_positive, setup_logging

INPUT = Path("data/prepared")
OUTPUT = Path("data/parsed")
logger = logging.getLogger("parse")


def parse(params: dict, input=INPUT, output=OUTPUT) -> dict:
    cls_min_docs = require_positive(params, "parse.cls_min_docs")
    input, output = Path(input), Path(output)
    started = time.perf_counter()

    documents = {split: list(read_jsonl(input / f"{split}.jsonl")) for split in SPLITS}
    labels = build_labels(documents["train"], cls_min_docs)
    entity_types = sorted({label[2:] for label in labels["ner"] if label != "O"})

    prepare_report = read_json(input / "report.json") if (input / "report.json").is_file() else None
    report = {"labels": {"ner": len(labels["ner"]), "cls": len(labels["cls"]),
                         "cls_dropped": len(labels["cls_dropped"])}}
    for split in SPLITS:
        examples, counts = build_examples_from_nerel(documents[split], labels["cls"], entity_types)
        write_jsonl(output / f"{split}.jsonl", examples)
        if prepare_report:
            counts["prepare_problems"] = prepare_report["splits"][split]["problems"]
        report[split] = counts
        skipped = {key: value for key, value in counts.items() if key.startswith("entities_skipped_")}
        logger.info("%s: %d documents, %d of %d entities tagged, skipped %s",
                    split, counts["documents"], counts["entities_tagged"], counts["entities"], skipped)

    write_json(output / "labels.json", labels)
    write_json(output / "report.json", report)
    logger.info("parsed %s in %.1f seconds", output, time.perf_counter() - started)
    return report


def main(params_path="params.yaml") -> dict:
    setup_logging()
    report = parse(load_params(params_path))
    print(f"{'split':<6} {'docs':>5} {'words':>8} {'entities':>9} {'tagged':>7} {'nested':>7} {'crossing':>9} {'same':>5}")
    for split in SPLITS:
        counts = report[split]
        print(f"{split:<6} {counts['documents']:>5} {counts['words']:>8} {counts['entities']:>9} "
              f"{counts['entities_tagged']:>7} {counts['entities_skipped_nested']:>7} "
              f"{counts['entities_skipped_crossing']:>9} {counts['entities_skipped_same_words']:>5}")
    return report


if __name__ == "__main__":
    main()
