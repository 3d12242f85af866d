"""Compare Natasha's news NER with our model on PER, ORG and LOC of the NEREL test split.

    python benchmarks/natasha_ner.py --model models/fp32
    python benchmarks/natasha_ner.py --model models/int8 --outermost-among mapped

Both systems are scored by exact character span and type. NEREL types are mapped to Natasha's
three types (TYPE_MAP) and every other type is dropped, on both gold and our predictions.
Gold entities are the outermost ones. By default an entity counts only if no other gold entity of
any type strictly contains it. `--outermost-among mapped` considers only containers of the mapped
types, which is closer to the flat PER/ORG/LOC annotation that Natasha was trained on. A discontinuous gold entity
counts as its overall span (first start, last stop).
Natasha's NewsNERTagger loads its navec and slovnet weights from the natasha wheel, offline.
"""

import argparse
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

from nerel_mtl.bio import tags_to_spans
from nerel_mtl.io import read_jsonl

TYPE_MAP = {
    "PERSON": "PER",
    "ORGANIZATION": "ORG",
    "CITY": "LOC",
    "COUNTRY": "LOC",
    "STATE_OR_PROVINCE": "LOC",
    "LOCATION": "LOC",
    "DISTRICT": "LOC",
}
TYPES = ("PER", "ORG", "LOC")

logger = logging.getLogger("benchmarks.natasha_ner")


def entity_span(entity: dict) -> tuple[int, int]:
    """Return the overall (start, stop) character span of a possibly discontinuous entity."""
    fragments = entity["fragments"]
    return min(start for start, _ in fragments), max(stop for _, stop in fragments)


def strictly_contains(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    return outer != inner and outer[0] <= inner[0] and inner[1] <= outer[1]


def gold_spans(entities: list[dict], among: str = "all") -> set[tuple[int, int, str]]:
    """Return the mapped (start, stop, type) spans of the outermost gold entities.

    `among="all"` drops an entity strictly contained in any other entity; `among="mapped"`
    drops it only when the container is itself of a mapped type.
    """
    if among not in ("all", "mapped"):
        raise ValueError(f"invalid among={among!r}; accepted values: 'all', 'mapped'")
    candidates = [entity for entity in entities if among == "all" or entity["type"] in TYPE_MAP]
    containers = {entity_span(entity) for entity in candidates}

    spans = set()
    for entity in candidates:
        if entity["type"] not in TYPE_MAP:
            continue
        span = entity_span(entity)
        if any(strictly_contains(other, span) for other in containers):
            continue
        spans.add((span[0], span[1], TYPE_MAP[entity["type"]]))
    return spans


def predicted_spans(tags: list[str], words: list) -> set[tuple[int, int, str]]:
    """Decode BIO tags over words to mapped (start, stop, type) character spans."""
    spans = set()
    for type, start, stop in tags_to_spans(tags):
        if type in TYPE_MAP:
            spans.add((words[start][0], words[stop - 1][1], TYPE_MAP[type]))
    return spans


def natasha_spans(markup) -> set[tuple[int, int, str]]:
    return {(span.start, span.stop, span.type) for span in markup.spans}


def score(gold: list[set], predicted: list[set]) -> dict:
    """Return precision, recall, F1 and counts per type and "overall" for exact span matches.

    `gold` and `predicted` contain one set of (start, stop, type) per document, in the same order.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold documents but {len(predicted)} predicted ones")
    counts = {key: Counter() for key in (*TYPES, "overall")}
    for gold_doc, predicted_doc in zip(gold, predicted):
        for span in gold_doc:
            counts[span[2]]["gold"] += 1
            counts[span[2]]["tp"] += span in predicted_doc
        for span in predicted_doc:
            counts[span[2]]["predicted"] += 1

    for key in TYPES:
        counts["overall"].update(counts[key])
    return {key: _prf(count) for key, count in counts.items()}


def _prf(count: Counter) -> dict:
    tp, gold, predicted = count["tp"], count["gold"], count["predicted"]
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "tp": tp, "gold": gold, "predicted": predicted}


def run_natasha(texts: list[str]) -> tuple[list[set], float]:
    from natasha import NewsEmbedding, NewsNERTagger

    tagger = NewsNERTagger(NewsEmbedding())
    tagger(texts[0])  # warm-up, so that the timing below excludes lazy initialization
    started = time.perf_counter()
    markups = list(tagger.map(texts))
    seconds = time.perf_counter() - started
    return [natasha_spans(markup) for markup in markups], seconds


def run_model(model_dir: str, docs: list[dict], threads: int, batch_words: int):
    from nerel_mtl.inference import load_predictor

    predictor = load_predictor(model_dir, threads=threads)
    inputs = [{"text": doc["text"], "words": doc["words"]} for doc in docs]
    predictor.predict(inputs[:1], batch_words=batch_words)  # warm-up
    started = time.perf_counter()
    outputs = predictor.predict(inputs, batch_words=batch_words)
    seconds = time.perf_counter() - started
    return [predicted_spans(output["tags"], output["words"]) for output in outputs], seconds


def format_table(results: dict) -> str:
    lines = [f"{'system':<10} {'type':<8} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}"]
    for system, scores in results.items():
        for key, value in scores.items():
            lines.append(
                f"{system:<10} {key:<8} {value['precision']:6.3f} {value['recall']:6.3f} "
                f"{value['f1']:6.3f} {value['gold']:6d} {value['predicted']:6d}"
            )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/fp32", help="folder of our model (FP32 or INT8)")
    parser.add_argument("--data", default="data/parsed/test.jsonl", help="parsed split (JSON Lines)")
    parser.add_argument("--outermost-among", choices=("all", "mapped"), default="all",
                        help="entities that can make a gold entity non-outermost")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for our model")
    parser.add_argument("--batch-words", type=int, default=4000, help="words per batch for our model")
    parser.add_argument("--max-docs", type=int, default=0, help="first N documents only; 0: all")
    parser.add_argument("--output", help="optional JSON file for the scores and speeds")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    if not Path(args.data).is_file():
        sys.exit(f"{args.data}: not found; run `dvc repro parse` first")
    docs = list(read_jsonl(args.data))
    if args.max_docs:
        docs = docs[: args.max_docs]
    words = sum(len(doc["words"]) for doc in docs)
    gold = [gold_spans(doc["entities"], args.outermost_among) for doc in docs]

    natasha, natasha_seconds = run_natasha([doc["text"] for doc in docs])
    ours, our_seconds = run_model(args.model, docs, args.threads, args.batch_words)

    label = Path(args.model).name
    results = {"natasha": score(gold, natasha), label: score(gold, ours)}
    speeds = {"natasha": words / natasha_seconds, label: words / our_seconds}

    print(f"{len(docs)} documents, {words} words, gold outermost among {args.outermost_among} entities")
    print(format_table(results))
    print(f"speed (words/s): natasha {speeds['natasha']:.0f}, {label} {speeds[label]:.0f} "
          f"({args.threads} torch threads, {os.cpu_count()} CPUs)")

    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        report = {"documents": len(docs), "words": words, "outermost_among": args.outermost_among,
                  "threads": args.threads, "scores": results, "words_per_second": speeds}
        Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
