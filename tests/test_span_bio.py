from nerel_mtl.bio import spans_to_tags, tags_to_spans
from nerel_mtl.brat import Entity
from nerel_mtl.span import char_span_to_words, flatten_entities, word_spans
from nerel_mtl.words import tokenize_words

TEXT = "Министерство обороны России сообщило о встрече в Москве."


def entity(id, type, *fragments):
    return Entity(id, type, tuple(fragments), "")


def offsets(word):
    start = TEXT.index(word)
    return start, start + len(word)


def tags_for(entities, text=TEXT):
    words = tokenize_words(text)
    kept, skipped = flatten_entities(entities, words)
    return spans_to_tags(word_spans(kept), len(words)), skipped


def test_char_span_to_words_exact():
    words = tokenize_words(TEXT)
    assert char_span_to_words(*offsets("обороны России"), words) == (1, 3)


def test_char_span_inside_word():
    words = tokenize_words(TEXT)
    start, _ = offsets("обороны")
    assert char_span_to_words(start + 2, start + 4, words) == (1, 2)


def test_char_span_only_spaces():
    words = tokenize_words("а  б")
    assert char_span_to_words(1, 3, words) is None


def test_nested_keeps_outermost():
    outer = entity("T1", "ORGANIZATION", (0, offsets("России")[1]))
    inner = entity("T2", "COUNTRY", offsets("России"))
    tags, skipped = tags_for([inner, outer])
    assert tags[:4] == ["B-ORGANIZATION", "I-ORGANIZATION", "I-ORGANIZATION", "O"]
    assert skipped["nested"] == 1


def test_flat_entities_all_kept():
    tags, skipped = tags_for([entity("T1", "COUNTRY", offsets("России")), entity("T2", "CITY", offsets("Москве"))])
    assert tags_to_spans(tags) == [("COUNTRY", 2, 3), ("CITY", 7, 8)]
    assert sum(skipped.values()) == 0


def test_crossing_counted():
    first = entity("T1", "ORGANIZATION", (0, offsets("обороны")[1]))
    second = entity("T2", "EVENT", (offsets("обороны")[0], offsets("России")[1]))
    tags, skipped = tags_for([first, second])
    assert skipped["crossing"] == 1
    assert tags_to_spans(tags) == [("ORGANIZATION", 0, 2)]


def test_crossing_tie_break_earlier_start():
    first = entity("T2", "ORGANIZATION", (0, offsets("обороны")[1]))
    second = entity("T1", "EVENT", (offsets("обороны")[0], offsets("России")[1]))
    tags, _ = tags_for([second, first])
    assert tags_to_spans(tags) == [("ORGANIZATION", 0, 2)]


def test_same_words_duplicate():
    tags, skipped = tags_for([entity("T1", "CITY", offsets("Москве")), entity("T2", "CITY", offsets("Москве"))])
    assert skipped["same_words"] == 1
    assert tags.count("B-CITY") == 1


def test_same_words_tie_break_type_name():
    tags, _ = tags_for([entity("T1", "LOCATION", offsets("Москве")), entity("T2", "CITY", offsets("Москве"))])
    assert "B-CITY" in tags


def test_partly_covered_word_tagged():
    start, stop = offsets("России")
    tags, _ = tags_for([entity("T1", "COUNTRY", (start, stop - 1))])
    assert tags[2] == "B-COUNTRY"


def test_discontinuous_one_span_per_fragment():
    fragments = (offsets("Министерство"), offsets("России"))
    tags, skipped = tags_for([entity("T1", "ORGANIZATION", *fragments)])
    assert tags[:3] == ["B-ORGANIZATION", "O", "B-ORGANIZATION"]
    assert tags_to_spans(tags)[:2] == [("ORGANIZATION", 0, 1), ("ORGANIZATION", 2, 3)]
    assert sum(skipped.values()) == 0


def test_discontinuous_gap_free_for_others():
    outer = entity("T1", "ORGANIZATION", offsets("Министерство"), offsets("России"))
    gap = entity("T2", "PROFESSION", offsets("обороны"))
    tags, skipped = tags_for([outer, gap])
    assert tags[:3] == ["B-ORGANIZATION", "B-PROFESSION", "B-ORGANIZATION"]
    assert sum(skipped.values()) == 0


def test_fragments_in_one_word_merge():
    start, stop = offsets("Министерство")
    tags, _ = tags_for([entity("T1", "ORGANIZATION", (start + 5, stop), (start, start + 3))])
    assert tags[:2] == ["B-ORGANIZATION", "O"]


def test_adjacent_fragments_merge():
    fragments = (offsets("обороны"), offsets("России"))
    tags, _ = tags_for([entity("T1", "ORGANIZATION", *fragments)])
    assert tags[1:3] == ["B-ORGANIZATION", "I-ORGANIZATION"]


def test_no_words_counted():
    words = tokenize_words("а  б")
    kept, skipped = flatten_entities([entity("T1", "CITY", (1, 3))], words)
    assert kept == []
    assert skipped["no_words"] == 1


def test_every_entity_counted_once():
    entities = [
        entity("T1", "ORGANIZATION", (0, offsets("России")[1])),
        entity("T2", "COUNTRY", offsets("России")),
        entity("T3", "COUNTRY", offsets("России")),
        entity("T4", "CITY", offsets("Москве")),
    ]
    kept, skipped = flatten_entities(entities, tokenize_words(TEXT))
    assert len(kept) + sum(skipped.values()) == len(entities)


def test_bio_round_trip():
    spans = [("PERSON", 0, 2), ("CITY", 2, 3), ("DATE", 5, 7)]
    assert tags_to_spans(spans_to_tags(spans, 8)) == spans
