"""Corpus statistics of prepared NEREL documents, for the EDA stage.

Entity geometry uses the character extent of an entity (first fragment start to last
fragment stop). "Nested" means contained in the extent of another entity with a different
extent, "crossing" means two extents that overlap without containment, "duplicate" means the
same type and the same fragments as an earlier entity of the document.
"""

from collections import Counter

import numpy as np
from tqdm import tqdm

from nerel_mtl.brat import parse_annotations
from nerel_mtl.words import tokenize_words

PERCENTILES = (50, 90, 99)


def analyze_document(document: dict) -> dict:
    text = document["text"]
    lines = document["entities"] + document["relations"] + document["links"]
    annotations = parse_annotations(lines, text, source=f"document {document['id']}")
    entities = annotations.entities
    words = tokenize_words(text)
    extents = [(entity.start, entity.stop) for entity in entities]

    depths = []
    crossing_pairs = 0
    crossing_examples = []
    for index, (start, stop) in enumerate(extents):
        depth = 0
        for other, (other_start, other_stop) in enumerate(extents):
            if other == index or (other_start, other_stop) == (start, stop):
                continue
            if other_start <= start and stop <= other_stop:
                depth += 1
            elif other > index and start < other_stop and other_start < stop:
                if not (start <= other_start and other_stop <= stop):
                    crossing_pairs += 1
                    first, second = entities[index], entities[other]
                    crossing_examples.append(
                        f"{document['id']}: {first.type} {first.text!r} / {second.type} {second.text!r}")
        depths.append(depth)

    seen, duplicates = set(), 0
    for entity in entities:
        key = (entity.type, tuple(sorted(entity.fragments)))
        duplicates += key in seen
        seen.add(key)

    return {
        "words": len(words),
        "entity_types": Counter(entity.type for entity in entities),
        "relation_types": Counter(relation.type for relation in annotations.relations),
        "depths": depths,
        "crossing_pairs": crossing_pairs,
        "crossing_examples": crossing_examples,
        "discontinuous": sum(len(entity.fragments) > 1 for entity in entities),
        "duplicates": duplicates,
        "boundary_inside_word": sum(boundary_inside_word(entity, words) for entity in entities),
        "cls_labels": {relation.type for relation in annotations.relations},
    }


def boundary_inside_word(entity, words) -> bool:
    """True when a fragment starts or stops strictly inside a razdel word."""
    for start, stop in entity.fragments:
        for word_start, word_stop in words:
            if word_start < start < word_stop or word_start < stop < word_stop:
                return True
    return False


def length_percentiles(lengths) -> dict:
    if not lengths:
        return {f"p{q}": 0 for q in PERCENTILES} | {"max": 0}
    values = np.percentile(lengths, PERCENTILES)
    return {f"p{q}": float(value) for q, value in zip(PERCENTILES, values)} | {"max": int(max(lengths))}


def by_count(counts: Counter) -> dict:
    """Order counts from most to least frequent, ties by name, so reruns write the same file."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def split_stats(documents, window_words: int) -> dict:
    """Return the statistics of one split as nested dicts of numbers (DVC metrics form)."""
    entity_types, relation_types, cls_documents, depth_counts = Counter(), Counter(), Counter(), Counter()
    lengths, labels_per_document, crossing_examples = [], [], []
    totals = Counter()
    for document in tqdm(documents, desc="eda", unit="doc", leave=False):
        result = analyze_document(document)
        entity_types.update(result["entity_types"])
        relation_types.update(result["relation_types"])
        cls_documents.update(result["cls_labels"])
        depth_counts.update(result["depths"])
        lengths.append(result["words"])
        labels_per_document.append(len(result["cls_labels"]))
        crossing_examples.extend(result["crossing_examples"])
        for key in ("crossing_pairs", "discontinuous", "duplicates", "boundary_inside_word"):
            totals[key] += result[key]

    entities = sum(entity_types.values())
    nested = sum(count for depth, count in depth_counts.items() if depth > 0)
    return {
        "documents": len(documents),
        "words": sum(lengths),
        "entities": entities,
        "relations": sum(relation_types.values()),
        "nested_entities": nested,
        "nested_share": nested / entities if entities else 0.0,
        "crossing_pairs": totals["crossing_pairs"],
        "discontinuous_entities": totals["discontinuous"],
        "duplicate_entities": totals["duplicates"],
        "boundary_inside_word": totals["boundary_inside_word"],
        "document_words": length_percentiles(lengths),
        "documents_over_window": sum(length > window_words for length in lengths),
        "labels_per_document": {
            "mean": float(np.mean(labels_per_document)) if labels_per_document else 0.0,
            "max": max(labels_per_document, default=0),
        },
        "entity_types": by_count(entity_types),
        "relation_types": by_count(relation_types),
        "cls_documents": by_count(cls_documents),
        "nesting_depth": {str(depth): count for depth, count in sorted(depth_counts.items())},
        "document_lengths": lengths,
        "labels_per_document_values": labels_per_document,
        "crossing_examples": crossing_examples,
    }


RAW_KEYS = ("document_lengths", "labels_per_document_values", "crossing_examples")


def corpus_stats(splits: dict, window_words: int = 256) -> dict:
    """Return `{split: stats}`; per-document lists stay under RAW_KEYS for the plots."""
    return {split: split_stats(documents, window_words) for split, documents in splits.items()}


def metrics_view(stats: dict) -> dict:
    """Drop the per-document lists, keeping only numbers for metrics/eda.json."""
    return {split: {key: value for key, value in values.items() if key not in RAW_KEYS}
            for split, values in stats.items()}
