"""Mapping character-offset entities to word spans, and flattening nested entities for IOB2.

Flattening rules (the NER target of one word sequence can show only one layer):
- An entity covers every word that any of its fragments overlaps, so a word that an entity
  only partly covers is tagged with it.
- The outermost entity wins: entities are taken longest first, by the number of words they
  cover. Ties go to the earlier first word, then the type name, then the entity id. So the
  result does not depend on the order of the .ann lines.
- An entity is kept only if none of its words is taken yet. Otherwise it is skipped with one
  reason: `nested` (all its words belong to one kept entity), `same_words` (exactly the words
  of a kept entity, e.g. duplicates), `crossing` (partly overlaps kept entities), or
  `no_words` (its fragments cover no word, e.g. only spaces).
- A discontinuous entity becomes one word span per fragment, each starting with B-, so that
  decoding the tags yields the fragments as separate spans. Fragments whose words touch or
  overlap (e.g. two fragments inside one word) are merged into one span.
"""

import bisect
from collections import Counter
from dataclasses import dataclass

SKIP_REASONS = ("nested", "same_words", "crossing", "no_words")


@dataclass(frozen=True)
class WordEntity:
    id: str
    type: str
    spans: tuple[tuple[int, int], ...]
    """Word spans `(start, stop)`, stop exclusive, sorted, not touching each other."""

    @property
    def words(self) -> frozenset[int]:
        return frozenset(index for start, stop in self.spans for index in range(start, stop))

    @property
    def size(self) -> int:
        return sum(stop - start for start, stop in self.spans)


def char_span_to_words(start: int, stop: int, words, word_starts=None) -> tuple[int, int] | None:
    """Return the word span `(first, stop)` of the words overlapping characters `[start, stop)`."""
    word_starts = word_starts if word_starts is not None else [word[0] for word in words]
    first = bisect.bisect_right(word_starts, start) - 1
    if first < 0 or words[first][1] <= start:
        first += 1
    last = bisect.bisect_left(word_starts, stop)
    if first >= last:
        return None
    return first, last


def merge_spans(spans) -> tuple[tuple[int, int], ...]:
    merged = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return tuple(merged)


def entity_to_words(entity, words, word_starts=None) -> WordEntity | None:
    """Map a `brat.Entity` to word spans; None when no fragment covers a word."""
    word_starts = word_starts if word_starts is not None else [word[0] for word in words]
    spans = [char_span_to_words(start, stop, words, word_starts) for start, stop in entity.fragments]
    spans = [span for span in spans if span is not None]
    if not spans:
        return None
    return WordEntity(entity.id, entity.type, merge_spans(spans))


def flatten_entities(entities, words) -> tuple[list[WordEntity], Counter]:
    """Choose the outermost entities that can share one IOB2 tag sequence.

    Returns the kept entities in text order and the number of skipped entities per reason.
    """
    word_starts = [word[0] for word in words]
    skipped = Counter({reason: 0 for reason in SKIP_REASONS})
    candidates = []
    for entity in entities:
        mapped = entity_to_words(entity, words, word_starts)
        if mapped is None:
            skipped["no_words"] += 1
        else:
            candidates.append(mapped)

    candidates.sort(key=lambda item: (-item.size, item.spans[0][0], item.type, item.id))
    kept, owner = [], {}
    for candidate in candidates:
        taken = {owner[index] for index in candidate.words if index in owner}
        if not taken:
            kept.append(candidate)
            owner.update({index: len(kept) - 1 for index in candidate.words})
            continue
        skipped[skip_reason(candidate, [kept[index] for index in taken])] += 1

    kept.sort(key=lambda item: item.spans[0])
    return kept, skipped


def skip_reason(candidate: WordEntity, overlapping: list[WordEntity]) -> str:
    if len(overlapping) == 1:
        other = overlapping[0].words
        if candidate.words == other:
            return "same_words"
        if candidate.words <= other:
            return "nested"
    return "crossing"


def word_spans(kept: list[WordEntity]) -> list[tuple[str, int, int]]:
    """Return `(type, start, stop)` word spans for `bio.spans_to_tags`, one per fragment."""
    return [(entity.type, start, stop) for entity in kept for start, stop in entity.spans]
