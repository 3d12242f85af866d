"""EDA figures (matplotlib PNGs) and the Markdown report that states what they show."""

import logging
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

logger = logging.getLogger(__name__)

DPI = 110


def bar_chart(counts: dict, path: Path, title: str, xlabel: str) -> None:
    labels = list(counts)[::-1]
    values = [counts[label] for label in labels]
    figure, axes = plt.subplots(figsize=(8, max(3.0, 0.25 * len(labels) + 1)))
    axes.barh(labels, values, color="tab:blue")
    axes.set_xscale("log")
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    axes.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)


def histogram(values, path: Path, title: str, xlabel: str, bins, marker=None) -> None:
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.hist(values, bins=bins, color="tab:blue", edgecolor="white")
    if marker is not None:
        axes.axvline(marker[0], color="tab:red", linestyle="--", label=marker[1])
        axes.legend()
    axes.set_xlabel(xlabel)
    axes.set_ylabel("documents")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)


def plot_all(stats: dict, folder, window_words: int) -> dict[str, Path]:
    """Draw the EDA figures of the training split into `folder`; return them by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train = stats["train"]
    paths = {name: folder / f"{name}.png" for name in
             ("entity_types", "relation_types", "document_length", "labels_per_document", "nesting_depth")}

    bar_chart(train["entity_types"], paths["entity_types"],
              "Entity types (train)", "entities (log scale)")
    bar_chart(train["relation_types"], paths["relation_types"],
              "Relation types (train)", "relations (log scale)")
    histogram(train["document_lengths"], paths["document_length"], "Document length (train)",
              "words per document", bins=40, marker=(window_words, f"{window_words}-word window"))
    max_labels = max(train["labels_per_document_values"], default=0)
    histogram(train["labels_per_document_values"], paths["labels_per_document"],
              "Relation types per document (train)", "distinct relation types (CLS labels)",
              bins=range(0, max_labels + 2))

    depths = train["nesting_depth"]
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.bar(list(depths), list(depths.values()), color="tab:blue")
    axes.set_yscale("log")
    axes.set_xlabel("nesting depth (entities containing the entity)")
    axes.set_ylabel("entities (log scale)")
    axes.set_title("Nesting depth (train)")
    figure.tight_layout()
    figure.savefig(paths["nesting_depth"], dpi=DPI)
    plt.close(figure)
    return paths


def imbalance(counts: dict) -> tuple[str, int, str, int]:
    """Return the most and the least frequent label with their counts ("-", 0 when empty)."""
    if not counts:
        return "-", 0, "-", 0
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    (top, top_count), (bottom, bottom_count) = ordered[0], ordered[-1]
    return top, top_count, bottom, bottom_count


def split_table(stats: dict) -> list[str]:
    lines = ["| split | documents | words | entities | relations | nested share | crossing pairs "
             "| discontinuous | duplicates | boundary inside a word |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for split, values in stats.items():
        lines.append(
            f"| {split} | {values['documents']} | {values['words']} | {values['entities']} "
            f"| {values['relations']} | {values['nested_share']:.1%} | {values['crossing_pairs']} "
            f"| {values['discontinuous_entities']} | {values['duplicate_entities']} "
            f"| {values['boundary_inside_word']} |")
    return lines


def write_report(stats: dict, plots: dict, path, window_words: int, rare_count: int,
                 top_examples: int = 5) -> None:
    """Write the Markdown EDA report; every number in it comes from `stats`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    train = stats["train"]

    def image(name: str) -> str:
        return os.path.relpath(plots[name], path.parent).replace(os.sep, "/")

    top, top_count, bottom, bottom_count = imbalance(train["entity_types"])
    rel_top, rel_top_count, rel_bottom, rel_bottom_count = imbalance(train["relation_types"])
    rare_labels = sorted(label for label, count in train["cls_documents"].items() if count < rare_count)
    lengths = train["document_words"]
    over = train["documents_over_window"]
    labels = train["labels_per_document"]

    lines = [
        "# NEREL exploratory data analysis",
        "",
        "Counts over data/prepared; figures show the training split.",
        "",
        *split_table(stats),
        "",
        "## Entity types",
        "",
        f"![Entity types]({image('entity_types')})",
        "",
        f"The training split has {len(train['entity_types'])} entity types. The most frequent, {top} "
        f"({top_count}), is {top_count / max(bottom_count, 1):.0f} times as frequent as the least frequent, "
        f"{bottom} ({bottom_count}), so per-type F1 of rare types will be noisy and the macro "
        "average will sit below the micro average.",
        "",
        "## Relation types and CLS labels",
        "",
        f"![Relation types]({image('relation_types')})",
        "",
        f"The training split has {len(train['relation_types'])} relation types; {rel_top} "
        f"({rel_top_count}) is {rel_top_count / max(rel_bottom_count, 1):.0f} times as frequent as "
        f"{rel_bottom} ({rel_bottom_count}). CLS labels in fewer than {rare_count} training "
        f"documents: {len(rare_labels)}"
        + (f" ({', '.join(rare_labels)})." if rare_labels else "."),
        "",
        f"![Relation types per document]({image('labels_per_document')})",
        "",
        f"A training document has {labels['mean']:.1f} distinct relation types on average "
        f"(maximum {labels['max']}), so the document head solves a dense multi-label task, "
        "and the per-label thresholds matter.",
        "",
        "## Nesting",
        "",
        f"![Nesting depth]({image('nesting_depth')})",
        "",
        f"{train['nested_share']:.1%} of training entities ({train['nested_entities']}) lie inside "
        f"another entity, {train['crossing_pairs']} entity pairs cross, and "
        f"{train['discontinuous_entities']} entities are discontinuous. One IOB2 layer keeps the "
        "outermost entities, so the nested ones are not NER targets (data/parsed/report.json counts them).",
        "",
        *[f"- crossing: {example}" for example in train["crossing_examples"][:top_examples]],
        "",
        "## Document length",
        "",
        f"![Document length]({image('document_length')})",
        "",
        f"Training documents have {lengths['p50']:.0f} words at the median, {lengths['p90']:.0f} at "
        f"p90, {lengths['p99']:.0f} at p99 and {lengths['max']} at most. {over} of "
        f"{train['documents']} ({over / max(train['documents'], 1):.0%}) exceed a {window_words}-word "
        "window, so the encoder input must be split into overlapping windows.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    logger.info("wrote %s", path)
