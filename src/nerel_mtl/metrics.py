"""Token, entity and document-label (CLS) metrics, computed with sklearn and seqeval.

All figures are fractions in [0, 1]. `metrics_from_predictions` recomputes every quality
metric of `stages/evaluate.py` from a predictions file alone.
"""

import statistics
import time
from pathlib import Path

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2, Entities
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import MultiLabelBinarizer

from nerel_mtl.io import read_jsonl

PREDICTION_FIELDS = ("id", "words", "gold_tags", "pred_tags", "gold_cls", "pred_cls", "cls_scores")


def prediction_records(test, outputs, cls_labels) -> list[dict]:
    """Pair each test document's gold tags and labels with the model output."""
    records = []
    for doc, output in zip(test, outputs):
        if len(output["tags"]) != len(doc["words"]):
            raise ValueError(f"document {doc['id']}: {len(output['tags'])} predicted tags for "
                             f"{len(doc['words'])} words")
        records.append({
            "id": doc["id"],
            "words": doc["words"],
            "gold_tags": doc["ner_tags"],
            "pred_tags": output["tags"],
            "gold_cls": doc["cls_labels"],
            "pred_cls": output["cls_labels"],
            "cls_scores": {label: round(score, 4) for label, score in zip(cls_labels, output["cls_scores"])},
        })
    return records


def micro_scores(gold, pred) -> dict:
    """Return micro-averaged F1, precision and recall of label sequences or indicator matrices."""
    precision, recall, f1, _ = precision_recall_fscore_support(gold, pred, average="micro", zero_division=0)
    return {"f1_micro": float(f1), "precision": float(precision), "recall": float(recall)}


def token_metrics(gold_tags, pred_tags) -> dict:
    """Score word-level BIO labels over all words, "O" included.

    `gold_tags` and `pred_tags` are lists of tag sequences, one per document. Macro F1
    averages over the labels present in the gold or the predicted tags.
    """
    gold = _flatten(gold_tags, pred_tags)
    pred = [tag for tags in pred_tags for tag in tags]
    return {
        **micro_scores(gold, pred),
        "accuracy": float(accuracy_score(gold, pred)),
        "f1_macro": float(f1_score(gold, pred, average="macro", zero_division=0)),
        "words": len(gold),
    }


def entity_metrics(gold_tags, pred_tags) -> dict:
    """Score entities with seqeval in strict IOB2 mode: an `I-` tag that does not
    continue a `B-` or `I-` of the same type starts no entity."""
    _flatten(gold_tags, pred_tags)
    report = _seqeval_report(gold_tags, pred_tags)
    micro = report.get("micro avg", {})
    macro = report.get("macro avg", {})
    return {
        "precision": float(micro.get("precision", 0.0)),
        "recall": float(micro.get("recall", 0.0)),
        "f1": float(micro.get("f1-score", 0.0)),
        "f1_macro": float(macro.get("f1-score", 0.0)),
        "gold_entities": sum(len(spans) for spans in strict_entities(gold_tags)),
        "pred_entities": sum(len(spans) for spans in strict_entities(pred_tags)),
    }


def entity_per_type(gold_tags, pred_tags) -> list[dict]:
    """Return strict IOB2 precision, recall, F1 and gold support per entity type, sorted by type."""
    report = _seqeval_report(gold_tags, pred_tags)
    rows = []
    for type, values in sorted(report.items()):
        if type.endswith(" avg"):
            continue
        rows.append({
            "type": type,
            "precision": float(values["precision"]),
            "recall": float(values["recall"]),
            "f1": float(values["f1-score"]),
            "support": int(values["support"]),
        })
    return rows


def strict_entities(tags_per_doc) -> list[list[tuple[str, int, int]]]:
    """Decode `(type, start, stop)` word spans per document as seqeval's strict IOB2 mode does."""
    entities = Entities([list(tags) for tags in tags_per_doc], IOB2, suffix=False)
    return [[(entity.tag, entity.start, entity.end) for entity in doc] for doc in entities.entities]


def cls_metrics(gold_labels, pred_labels, labels) -> dict:
    """Score multi-label document classification over the model's `labels`.

    `gold_labels` and `pred_labels` hold one collection of label names per document.
    Macro F1 averages over all `labels`, including those absent from the test split.
    """
    labels = list(labels)
    unknown = sorted({label for doc in list(gold_labels) + list(pred_labels) for label in doc} - set(labels))
    if unknown:
        raise ValueError(f"CLS labels {unknown} are not among the model's {len(labels)} labels")

    binarizer = MultiLabelBinarizer(classes=labels)
    gold = binarizer.fit_transform(gold_labels)
    pred = binarizer.transform(pred_labels)
    return {
        **micro_scores(gold, pred),
        "f1_macro": float(f1_score(gold, pred, average="macro", zero_division=0)),
        "f1_samples": float(f1_score(gold, pred, average="samples", zero_division=0)),
        "subset_accuracy": float(accuracy_score(gold, pred)),
        "hamming_accuracy": float(1.0 - hamming_loss(gold, pred)),
        "labels": len(labels),
    }


def cls_per_label(gold_labels, pred_labels, labels) -> list[dict]:
    """Return precision, recall, F1 and gold support per CLS label, in the order of `labels`."""
    labels = list(labels)
    binarizer = MultiLabelBinarizer(classes=labels)
    gold = binarizer.fit_transform(gold_labels)
    pred = binarizer.transform(pred_labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, average=None, zero_division=0
    )
    return [
        {
            "label": label,
            "precision": float(precision[index]),
            "recall": float(recall[index]),
            "f1": float(f1[index]),
            "support": int(support[index]),
        }
        for index, label in enumerate(labels)
    ]


def median_seconds(run, runs: int) -> tuple[float, list[float]]:
    """Call `run()` once to warm up, then `runs` times; return the median and all wall times in seconds."""
    run()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), seconds


def quality_metrics(records) -> dict:
    """Compute the token, entity and CLS metrics of prediction records (see `load_predictions`)."""
    records = list(records)
    gold_tags = [record["gold_tags"] for record in records]
    pred_tags = [record["pred_tags"] for record in records]
    return {
        "token": token_metrics(gold_tags, pred_tags),
        "entity": entity_metrics(gold_tags, pred_tags),
        "cls": cls_metrics(
            [record["gold_cls"] for record in records],
            [record["pred_cls"] for record in records],
            cls_labels_of(records),
        ),
    }


def metrics_from_predictions(path) -> dict:
    """Recompute all quality metrics from a `predictions/test_{fp32,int8}.jsonl` file."""
    return quality_metrics(load_predictions(path))


def load_predictions(path) -> list[dict]:
    """Read a predictions file and check that every record has the fields and lengths it needs."""
    records = []
    for number, record in enumerate(read_jsonl(path), start=1):
        missing = [field for field in PREDICTION_FIELDS if field not in record]
        if missing:
            raise ValueError(f"{path}: record {number} (id {record.get('id')!r}) misses fields {missing}")
        sizes = {len(record["words"]), len(record["gold_tags"]), len(record["pred_tags"])}
        if len(sizes) != 1:
            raise ValueError(
                f"{path}: record {number} (id {record['id']!r}) has {len(record['words'])} words, "
                f"{len(record['gold_tags'])} gold tags and {len(record['pred_tags'])} predicted tags; "
                "regenerate the file with stages/evaluate.py"
            )
        records.append(record)
    if not records:
        raise ValueError(f"{Path(path)}: no predictions; regenerate the file with stages/evaluate.py")
    return records


def cls_labels_of(records) -> list[str]:
    """Return the model's CLS labels, stored as the keys of each record's `cls_scores`."""
    return list(records[0]["cls_scores"])


def _flatten(gold_tags, pred_tags) -> list[str]:
    if len(gold_tags) != len(pred_tags):
        raise ValueError(f"{len(gold_tags)} gold documents but {len(pred_tags)} predicted documents")
    flat = []
    for index, (gold, pred) in enumerate(zip(gold_tags, pred_tags)):
        if len(gold) != len(pred):
            raise ValueError(f"document {index}: {len(gold)} gold tags but {len(pred)} predicted tags")
        flat.extend(gold)
    return flat


def _seqeval_report(gold_tags, pred_tags) -> dict:
    return classification_report(
        [list(tags) for tags in gold_tags],
        [list(tags) for tags in pred_tags],
        mode="strict",
        scheme=IOB2,
        output_dict=True,
        zero_division=0,
    )
