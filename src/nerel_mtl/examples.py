"""Training examples from prepared NEREL documents: IOB2 tags per word and relation-type labels.

An example is one document with these fields:
- `id`, `text`;
- `words`: razdel tokens as `[start, stop]` character offsets;
- `ner_tags`: IOB2, one per word, with nesting flattened as `nerel_mtl.span` describes;
- `entities`, `relations`: all of them, nested ones included, for evaluation and reports;
- `cls_labels`: the sorted relation types of the document that are in the CLS label set.
"""

import logging
from collections import Counter

from tqdm import tqdm

from nerel_mtl.bio import ner_labels, spans_to_tags
from nerel_mtl.brat import parse_annotations
from nerel_mtl.span import SKIP_REASONS, flatten_entities, word_spans
from nerel_mtl.words import tokenize_words

logger = logging.getLogger(__name__)


def entity_types(documents) -> list[str]:
    types = set()
    for document in documents:
        for line in document["entities"]:
            types.add(line.split("\t")[1].split(" ", 1)[0])
    return sorted(types)


def cls_label_set(documents, min_docs: int = 1) -> tuple[list[str], dict[str, int]]:
    """Return relation types seen in at least `min_docs` documents, and the dropped ones
    with their document counts."""
    frequency = Counter()
    for document in documents:
        frequency.update({line.split("\t")[1].split(" ", 1)[0] for line in document["relations"]})
    labels = sorted(label for label, count in frequency.items() if count >= min_docs)
    dropped = {label: count for label, count in sorted(frequency.items()) if count < min_docs}
    if dropped:
        logger.info("dropped %d CLS labels seen in fewer than %d training documents: %s",
                    len(dropped), min_docs, dropped)
    return labels, dropped


def build_labels(train_documents, cls_min_docs: int = 1) -> dict:
    """Return the contents of labels.json: NER labels ("O" first) and CLS labels from training."""
    cls, dropped = cls_label_set(train_documents, cls_min_docs)
    return {"ner": ner_labels(entity_types(train_documents)), "cls": cls, "cls_dropped": dropped}


def build_example(document: dict, cls_labels: set, known_types, report: Counter) -> dict:
    text = document["text"]
    lines = document["entities"] + document["relations"] + document["links"]
    annotations = parse_annotations(lines, text, source=f"document {document['id']}")
    for kind, count in annotations.problem_counts().items():
        report[f"problem_{kind}"] += count

    entities = annotations.entities
    if known_types is not None:
        unknown = [entity for entity in entities if entity.type not in known_types]
        if unknown:
            logger.warning("document %s: %d entities of types outside the NER labels: %s",
                           document["id"], len(unknown), sorted({entity.type for entity in unknown}))
        report["entities_unknown_type"] += len(unknown)
        entities = [entity for entity in entities if entity.type in known_types]

    words = tokenize_words(text)
    kept, skipped = flatten_entities(entities, words)
    report["entities"] += len(annotations.entities)
    report["entities_tagged"] += len(kept)
    for reason, count in skipped.items():
        report[f"entities_skipped_{reason}"] += count

    relation_types = {relation.type for relation in annotations.relations}
    outside = relation_types - cls_labels
    report["relations"] += len(annotations.relations)
    report["cls_labels_outside_set"] += len(outside)

    return {
        "id": document["id"],
        "text": text,
        "words": [list(word) for word in words],
        "ner_tags": spans_to_tags(word_spans(kept), len(words)),
        "entities": [
            {"id": entity.id, "type": entity.type,
             "fragments": [list(fragment) for fragment in entity.fragments], "text": entity.text}
            for entity in annotations.entities
        ],
        "relations": [
            {"id": relation.id, "type": relation.type, "arg1": relation.arg1, "arg2": relation.arg2}
            for relation in annotations.relations
        ],
        "cls_labels": sorted(relation_types & cls_labels),
    }


def build_examples_from_nerel(documents, cls_labels, entity_types=None) -> tuple[list[dict], dict]:
    """Build one example per prepared document; return the examples and a report of counts.

    `entity_types`: the entity types of the NER labels; entities of other types are counted
    under `entities_unknown_type` and left untagged. None tags every type.
    """
    cls_labels = set(cls_labels)
    known_types = set(entity_types) if entity_types is not None else None
    report = Counter({"documents": 0, "words": 0, "entities": 0, "entities_tagged": 0,
                      "entities_unknown_type": 0, "relations": 0, "cls_labels_outside_set": 0})
    report.update({f"entities_skipped_{reason}": 0 for reason in SKIP_REASONS})

    examples = []
    for document in tqdm(documents, desc="examples", unit="doc", leave=False):
        example = build_example(document, cls_labels, known_types, report)
        report["documents"] += 1
        report["words"] += len(example["words"])
        examples.append(example)
    return examples, dict(report)
