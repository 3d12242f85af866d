"""BIO (IOB2) tags: encoding word spans as tags and decoding tags back to spans."""

OUTSIDE = "O"
BEGIN = "B"
INSIDE = "I"


def split_tag(tag: str) -> tuple[str, str | None]:
    if tag == OUTSIDE:
        return OUTSIDE, None
    part, _, type = tag.partition("-")
    if part not in (BEGIN, INSIDE) or not type:
        raise ValueError(f"invalid BIO tag {tag!r}; expected 'O', 'B-TYPE' or 'I-TYPE'")
    return part, type


def spans_to_tags(spans, size: int) -> list[str]:
    """Tag `size` words from non-overlapping `(type, start, stop)` word spans."""
    tags = [OUTSIDE] * size
    for type, start, stop in sorted(spans, key=lambda span: span[1]):
        tags[start] = f"{BEGIN}-{type}"
        for index in range(start + 1, stop):
            tags[index] = f"{INSIDE}-{type}"
    return tags


def tags_to_spans(tags) -> list[tuple[str, int, int]]:
    """Decode tags to `(type, start, stop)` word spans; an `I-` without a matching
    `B-` starts a new span, as lenient decoders do."""
    spans = []
    type, start = None, None
    for index, tag in enumerate(list(tags) + [OUTSIDE]):
        part, tag_type = split_tag(tag)
        continues = part == INSIDE and tag_type == type
        if type is not None and not continues:
            spans.append((type, start, index))
            type, start = None, None
        if part != OUTSIDE and not continues:
            type, start = tag_type, index
    return spans


def ner_labels(entity_types) -> list[str]:
    labels = [OUTSIDE]
    for type in sorted(entity_types):
        labels.extend([f"{BEGIN}-{type}", f"{INSIDE}-{type}"])
    return labels
