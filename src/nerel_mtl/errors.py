"""Error analysis of one model's test predictions: a Markdown report, per-type figures and plots.

Entity errors are read from strict IOB2 spans, as seqeval's strict mode decodes them. Each gold
entity without an exact prediction gets one kind:

- `type`: a prediction has the same span and another type;
- `boundary`: an overlapping prediction has the same type;
- `boundary_type`: only overlapping predictions of other types exist;
- `missed`: no prediction overlaps it.

Each prediction that matches no gold entity exactly and overlaps none is `spurious`.
"""

import csv
import logging
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix  # noqa: E402

from nerel_mtl.bio import OUTSIDE  # noqa: E402
from nerel_mtl.io import read_jsonl, write_json  # noqa: E402
from nerel_mtl.metrics import cls_labels_of, cls_per_label, entity_per_type, strict_entities  # noqa: E402

logger = logging.getLogger(__name__)

ERROR_KINDS = ("boundary", "type", "boundary_type", "missed", "spurious")

# DVC renders every record of confusion.json in the browser. Above this many words, the file
# keeps only the words where the gold or the predicted tag is not O.
MAX_CONFUSION_RECORDS = 20_000

CONTEXT_WORDS = 6
TOP_CONFUSIONS = 10


def classify_entity_errors(gold_tags, pred_tags) -> list[dict]:
    """Return one record per entity error: kind, document index, gold and predicted spans."""
    errors = []
    gold_docs = strict_entities(gold_tags)
    pred_docs = strict_entities(pred_tags)
    for doc_index, (gold, pred) in enumerate(zip(gold_docs, pred_docs)):
        exact = set(gold) & set(pred)
        for span in gold:
            if span in exact:
                continue
            kind, match = _gold_error(span, pred)
            errors.append({"kind": kind, "doc": doc_index, "gold": span, "pred": match})
        for span in pred:
            if span in exact or any(_overlaps(span, other) for other in gold):
                continue
            errors.append({"kind": "spurious", "doc": doc_index, "gold": None, "pred": span})
    return errors


def _gold_error(span, predictions):
    type, start, stop = span
    overlapping = [other for other in predictions if _overlaps(span, other)]
    for other in overlapping:
        if other[1:] == (start, stop):
            return "type", other
    for other in overlapping:
        if other[0] == type:
            return "boundary", other
    if overlapping:
        return "boundary_type", overlapping[0]
    return "missed", None


def _overlaps(first, second) -> bool:
    return first[1] < second[2] and second[1] < first[2]


def type_confusions(errors) -> Counter:
    """Count gold -> predicted type pairs over type and boundary_type errors."""
    return Counter(
        (error["gold"][0], error["pred"][0])
        for error in errors
        if error["kind"] in ("type", "boundary_type")
    )


def nested_entity_counts(parsed_docs) -> dict:
    """Count gold entities that one flat BIO sequence cannot hold.

    An entity is `inner` when another entity covers its character extent (an equal extent
    counts once for the first entity), and `crossing` when it partly overlaps another
    entity without containment. `outermost` entities are the rest.
    """
    counts = Counter()
    by_type = Counter()
    for doc in parsed_docs:
        extents = sorted(_extent(entity) for entity in doc["entities"])
        for index, (start, stop, type) in enumerate(extents):
            counts["total"] += 1
            if _is_inner(extents, index):
                counts["inner"] += 1
                by_type[type] += 1
            elif _is_crossing(extents, index):
                counts["crossing"] += 1
            else:
                counts["outermost"] += 1
    return {
        "total": counts["total"],
        "outermost": counts["outermost"],
        "inner": counts["inner"],
        "crossing": counts["crossing"],
        "inner_by_type": dict(by_type.most_common()),
    }


def _extent(entity) -> tuple[int, int, str]:
    starts, stops = zip(*entity["fragments"])
    return min(starts), max(stops), entity["type"]


def _is_inner(extents, index) -> bool:
    start, stop, _ = extents[index]
    for other, (other_start, other_stop, _) in enumerate(extents):
        if other == index or not (other_start <= start and stop <= other_stop):
            continue
        if (other_start, other_stop) != (start, stop) or other < index:
            return True
    return False


def _is_crossing(extents, index) -> bool:
    start, stop, _ = extents[index]
    return any(
        other_start < start < other_stop < stop or start < other_start < stop < other_stop
        for other_start, other_stop, _ in extents
    )


def train_label_counts(path) -> Counter:
    """Count training documents per CLS label in a `data/parsed/train.jsonl` file."""
    counts = Counter()
    for doc in read_jsonl(path):
        counts.update(set(doc["cls_labels"]))
    return counts


def token_confusion_records(records) -> tuple[list[dict], bool]:
    """Return {"actual", "predicted"} entity types per word (BIO prefixes stripped, O kept)
    and whether the list was restricted to words where either side is not O."""
    pairs = [
        (_strip_prefix(gold), _strip_prefix(pred))
        for record in records
        for gold, pred in zip(record["gold_tags"], record["pred_tags"])
    ]
    restricted = len(pairs) > MAX_CONFUSION_RECORDS
    if restricted:
        pairs = [pair for pair in pairs if pair != (OUTSIDE, OUTSIDE)]
    return [{"actual": actual, "predicted": predicted} for actual, predicted in pairs], restricted


def _strip_prefix(tag: str) -> str:
    return tag if tag == OUTSIDE else tag.split("-", 1)[1]


def write_error_analysis(records, parsed_test, train_counts, report_path, plots_dir, examples=5) -> dict:
    """Write the Markdown report and the plots of one model; return a summary for the metrics file.

    `records` are prediction records (see `nerel_mtl.metrics.load_predictions`), `parsed_test`
    the `data/parsed/test.jsonl` documents (for texts and nested entities), and `train_counts`
    the training documents per CLS label.
    """
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    texts = {doc["id"]: doc["text"] for doc in parsed_test}

    gold_tags = [record["gold_tags"] for record in records]
    pred_tags = [record["pred_tags"] for record in records]
    per_type = entity_per_type(gold_tags, pred_tags)
    errors = classify_entity_errors(gold_tags, pred_tags)
    nested = nested_entity_counts(parsed_test)
    cls_rows = cls_per_label(
        [record["gold_cls"] for record in records],
        [record["pred_cls"] for record in records],
        cls_labels_of(records),
    )

    write_per_type_csv(per_type, plots_dir / "entity_per_type.csv")
    plot_entity_f1(per_type, plots_dir / "entity_f1.png")
    confusion, restricted = token_confusion_records(records)
    write_json(plots_dir / "confusion.json", confusion)
    plot_token_confusion(confusion, plots_dir / "confusion.png")

    report = render_report(records, texts, per_type, errors, nested, cls_rows, train_counts, examples, restricted)
    report_path = Path(report_path)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report, encoding="utf-8")
    logger.info("wrote %s and plots under %s", report_path, plots_dir)

    counts = Counter(error["kind"] for error in errors)
    return {
        "entity_errors": {kind: counts[kind] for kind in ERROR_KINDS},
        "nested": {key: value for key, value in nested.items() if key != "inner_by_type"},
        "confusion_records": len(confusion),
        "confusion_restricted": restricted,
    }


def write_per_type_csv(rows, path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["type", "precision", "recall", "f1", "support"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, **{key: round(row[key], 4) for key in ("precision", "recall", "f1")}})


def plot_entity_f1(rows, path) -> None:
    rows = sorted(rows, key=lambda row: row["f1"])
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.2))
    axes.barh([row["type"] for row in rows], [row["f1"] for row in rows], color="tab:blue")
    axes.set_xlim(0, 1)
    axes.set_xlabel("strict entity F1")
    axes.set_title("Entity F1 per type (test)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_token_confusion(records, path) -> None:
    actual = [record["actual"] for record in records]
    predicted = [record["predicted"] for record in records]
    labels = sorted(set(actual) | set(predicted), key=lambda label: (label != OUTSIDE, label))
    matrix = confusion_matrix(actual, predicted, labels=labels, normalize="true")
    figure, axes = plt.subplots(figsize=(0.35 * len(labels) + 3, 0.35 * len(labels) + 2.5))
    display = ConfusionMatrixDisplay(matrix, display_labels=labels)
    display.plot(ax=axes, include_values=False, cmap="Blues", xticks_rotation="vertical", colorbar=True)
    axes.set_title("Token confusion by entity type (rows sum to 1)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def render_report(records, texts, per_type, errors, nested, cls_rows, train_counts, examples, restricted) -> str:
    lines = ["# Error analysis", ""]
    lines += _per_type_section(per_type)
    lines += _error_kind_section(errors)
    lines += _confusion_section(errors)
    lines += _nested_section(nested)
    lines += _cls_section(cls_rows, train_counts)
    lines += _examples_section(records, texts, errors, examples)
    if restricted:
        lines += [
            f"Note: confusion.json (next to the plots) keeps only the words where the gold or the predicted "
            f"tag is not O, because the test split has more than {MAX_CONFUSION_RECORDS} words.",
            "",
        ]
    return "\n".join(lines)


def _per_type_section(rows) -> list[str]:
    lines = [
        "## Entities per type (strict IOB2, worst F1 first)", "",
        "| type | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda row: (row["f1"], row["type"])):
        lines.append(
            f"| {row['type']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |"
        )
    return lines + [""]


def _error_kind_section(errors) -> list[str]:
    counts = Counter(error["kind"] for error in errors)
    meanings = {
        "boundary": "same type, overlapping, different span",
        "type": "same span, other type",
        "boundary_type": "overlapping, other type and span",
        "missed": "gold entity with no overlapping prediction",
        "spurious": "prediction with no overlapping gold entity",
    }
    lines = ["## Entity errors", "", "| kind | meaning | count |", "|---|---|---:|"]
    for kind in ERROR_KINDS:
        lines.append(f"| {kind} | {meanings[kind]} | {counts[kind]} |")
    return lines + [""]


def _confusion_section(errors) -> list[str]:
    lines = [
        f"## Most frequent type confusions (top {TOP_CONFUSIONS})", "",
        "Counted over `type` and `boundary_type` errors.", "",
        "| gold | predicted | count |", "|---|---|---:|",
    ]
    for (gold, pred), count in type_confusions(errors).most_common(TOP_CONFUSIONS):
        lines.append(f"| {gold} | {pred} | {count} |")
    return lines + [""]


def _nested_section(nested) -> list[str]:
    share = nested["inner"] / nested["total"] if nested["total"] else 0.0
    lines = [
        "## Nested entities a flat tagger cannot express", "",
        f"Of {nested['total']} gold entities in data/parsed/test.jsonl, {nested['inner']} "
        f"({share:.1%}) lie inside another entity and {nested['crossing']} cross another "
        f"entity's boundary; {nested['outermost']} are outermost. One BIO tag per word can "
        "hold only non-overlapping entities, so the inner and crossing ones are beyond this model.",
        "",
    ]
    if nested["inner_by_type"]:
        lines += ["| inner type | count |", "|---|---:|"]
        lines += [f"| {type} | {count} |" for type, count in nested["inner_by_type"].items()]
        lines.append("")
    return lines


def _cls_section(rows, train_counts) -> list[str]:
    lines = [
        "## Document labels (CLS): F1 against training frequency", "",
        "Sorted by the number of training documents with the label.", "",
        "| label | train docs | test support | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda row: (-train_counts.get(row["label"], 0), row["label"])):
        lines.append(
            f"| {row['label']} | {train_counts.get(row['label'], 0)} | {row['support']} | "
            f"{row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} |"
        )
    return lines + [""]


def _examples_section(records, texts, errors, examples) -> list[str]:
    lines = [f"## Examples (up to {examples} per kind)", ""]
    for kind in ERROR_KINDS:
        chosen = [error for error in errors if error["kind"] == kind][:examples]
        if not chosen:
            continue
        lines += [f"### {kind}", ""]
        for error in chosen:
            record = records[error["doc"]]
            lines.append("- " + _describe_example(record, texts.get(record["id"]), error))
        lines.append("")
    return lines


def _describe_example(record, text, error) -> str:
    spans = [span for span in (error["gold"], error["pred"]) if span]
    start = max(min(span[1] for span in spans) - CONTEXT_WORDS, 0)
    stop = min(max(span[2] for span in spans) + CONTEXT_WORDS, len(record["words"]))
    gold = _span_label("gold", error["gold"], record, text)
    pred = _span_label("predicted", error["pred"], record, text)
    context = _words_text(record, text, start, stop)
    return f"doc {record['id']}: {gold}; {pred}; context: `{context}`"


def _span_label(side, span, record, text) -> str:
    if span is None:
        return f"{side}: none"
    type, start, stop = span
    return f"{side} {type} «{_words_text(record, text, start, stop)}»"


def _words_text(record, text, start, stop) -> str:
    if text is None:
        return f"words {start}-{stop}"
    words = record["words"]
    return " ".join(text[words[start][0]:words[stop - 1][1]].split()).replace("`", "'")
