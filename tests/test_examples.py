from nerel_mtl.bio import tags_to_spans
from nerel_mtl.examples import build_examples_from_nerel, build_labels, cls_label_set
from nerel_mtl.io import read_jsonl
from nerel_mtl.nerel import read_corpus

TEXT = "Анна Смирнова работает в Банке России в Москве."
DOCUMENT = {
    "id": "1",
    "text": TEXT,
    "entities": [
        "T1\tPERSON 0 13\tАнна Смирнова",
        "T2\tORGANIZATION 25 37\tБанке России",
        "T3\tCOUNTRY 31 37\tРоссии",
        "T4\tCITY 40 46\tМоскве",
    ],
    "relations": ["R1\tWORKPLACE Arg1:T1 Arg2:T2", "R2\tHEADQUARTERED_IN Arg1:T2 Arg2:T4"],
    "links": [],
}


def test_example_tags():
    [example], _ = build_examples_from_nerel([DOCUMENT], ["WORKPLACE", "HEADQUARTERED_IN"])
    words = [TEXT[start:stop] for start, stop in example["words"]]
    spans = [(type, " ".join(words[start:stop])) for type, start, stop in tags_to_spans(example["ner_tags"])]
    assert spans == [("PERSON", "Анна Смирнова"), ("ORGANIZATION", "Банке России"), ("CITY", "Москве")]


def test_example_keeps_all_entities():
    [example], _ = build_examples_from_nerel([DOCUMENT], [])
    assert [entity["id"] for entity in example["entities"]] == ["T1", "T2", "T3", "T4"]
    assert example["entities"][2] == {"id": "T3", "type": "COUNTRY", "fragments": [[31, 37]], "text": "России"}


def test_example_cls_labels_sorted():
    [example], _ = build_examples_from_nerel([DOCUMENT], ["WORKPLACE", "HEADQUARTERED_IN"])
    assert example["cls_labels"] == ["HEADQUARTERED_IN", "WORKPLACE"]


def test_example_cls_outside_set_counted():
    [example], report = build_examples_from_nerel([DOCUMENT], ["WORKPLACE"])
    assert example["cls_labels"] == ["WORKPLACE"]
    assert report["cls_labels_outside_set"] == 1


def test_report_counts_nested():
    _, report = build_examples_from_nerel([DOCUMENT], [])
    assert report["entities"] == 4
    assert report["entities_tagged"] == 3
    assert report["entities_skipped_nested"] == 1


def test_unknown_entity_type_untagged():
    [example], report = build_examples_from_nerel([DOCUMENT], [], entity_types=["PERSON", "CITY", "COUNTRY"])
    assert report["entities_unknown_type"] == 1
    assert "B-COUNTRY" in example["ner_tags"]


def test_empty_links_everywhere():
    documents = [dict(DOCUMENT, id=str(index), links=[]) for index in range(3)]
    examples, report = build_examples_from_nerel(documents, ["WORKPLACE"])
    assert len(examples) == 3
    assert all(example["cls_labels"] == ["WORKPLACE"] for example in examples)
    assert not any(key.startswith("problem_") for key in report)


def test_cls_min_docs_drops_rare():
    other = dict(DOCUMENT, id="2", relations=["R1\tWORKPLACE Arg1:T1 Arg2:T2"])
    labels, dropped = cls_label_set([DOCUMENT, other], min_docs=2)
    assert labels == ["WORKPLACE"]
    assert dropped == {"HEADQUARTERED_IN": 1}


def test_build_labels_ner_order():
    labels = build_labels([DOCUMENT])
    assert labels["ner"][:3] == ["O", "B-CITY", "I-CITY"]
    assert len(labels["ner"]) == 1 + 2 * 4


def test_fixture_brat_and_jsonl_identical(fixtures_dir):
    brat, _ = read_corpus(fixtures_dir / "nerel_mini", format="brat")
    jsonl, _ = read_corpus(fixtures_dir / "nerel_mini_jsonl", format="jsonl")
    labels = build_labels(brat["train"])
    for split in brat:
        from_brat, _ = build_examples_from_nerel(brat[split], labels["cls"])
        from_jsonl, _ = build_examples_from_nerel(jsonl[split], labels["cls"])
        assert from_brat == from_jsonl


def test_fixture_tags_match_entities(fixtures_dir):
    corpus, report = read_corpus(fixtures_dir / "nerel_mini", format="brat")
    examples, counts = build_examples_from_nerel(corpus["train"], [])
    assert counts["entities_skipped_nested"] >= 1
    assert counts["entities_skipped_crossing"] == 0
    assert counts["entities_tagged"] + counts["entities_skipped_nested"] == counts["entities"]
    assert all(not split["problems"] for split in report.values())


def test_real_corpus_every_entity_accounted(nerel_dir):
    corpus, _ = read_corpus(nerel_dir, format="brat")
    _, report = build_examples_from_nerel(corpus["dev"], [])
    skipped = sum(value for key, value in report.items() if key.startswith("entities_skipped_"))
    assert report["entities_tagged"] + skipped == report["entities"]
