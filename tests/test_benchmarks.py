import importlib.util

import pytest

from nerel_mtl.bio import spans_to_tags


def load_script(repo_root, name):
    path = repo_root / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def natasha_ner(repo_root):
    return load_script(repo_root, "natasha_ner")


@pytest.fixture
def speed(repo_root):
    return load_script(repo_root, "speed")


def entity(type, *fragments):
    return {"type": type, "fragments": [list(fragment) for fragment in fragments]}


# "Правительство Москвы и Сергей Собянин": ORGANIZATION contains CITY, PERSON inside a PROFESSION.
ENTITIES = [
    entity("ORGANIZATION", (0, 20)),
    entity("CITY", (14, 20)),
    entity("PROFESSION", (23, 40)),
    entity("PERSON", (30, 40)),
    entity("AGE", (50, 52)),
    entity("COUNTRY", (60, 62), (70, 75)),
]


def test_gold_outermost_among_all(natasha_ner):
    spans = natasha_ner.gold_spans(ENTITIES, among="all")
    assert spans == {(0, 20, "ORG"), (60, 75, "LOC")}


def test_gold_outermost_among_mapped(natasha_ner):
    spans = natasha_ner.gold_spans(ENTITIES, among="mapped")
    assert spans == {(0, 20, "ORG"), (30, 40, "PER"), (60, 75, "LOC")}


def test_gold_rejects_unknown_mode(natasha_ner):
    with pytest.raises(ValueError, match="among"):
        natasha_ner.gold_spans(ENTITIES, among="inner")


def test_predicted_spans_from_tags(natasha_ner):
    words = [[0, 4], [5, 11], [12, 18], [19, 25]]
    tags = spans_to_tags([("PERSON", 0, 2), ("AGE", 2, 3), ("DISTRICT", 3, 4)], 4)
    spans = natasha_ner.predicted_spans(tags, words)
    assert spans == {(0, 11, "PER"), (19, 25, "LOC")}


def test_score_counts_exact_matches(natasha_ner):
    gold = [{(0, 5, "PER"), (10, 15, "LOC")}, {(0, 3, "ORG")}]
    predicted = [{(0, 5, "PER"), (10, 14, "LOC")}, {(0, 3, "ORG"), (5, 8, "ORG")}]
    scores = natasha_ner.score(gold, predicted)
    assert scores["PER"]["f1"] == 1.0
    assert scores["LOC"]["recall"] == 0.0
    assert scores["ORG"]["precision"] == 0.5
    assert scores["overall"]["tp"] == 2
    assert scores["overall"]["gold"] == 3
    assert scores["overall"]["predicted"] == 4


def test_score_rejects_length_mismatch(natasha_ner):
    with pytest.raises(ValueError, match="documents"):
        natasha_ner.score([set()], [])


def test_natasha_spans_offline(natasha_ner):
    from natasha import NewsEmbedding, NewsNERTagger

    markup = NewsNERTagger(NewsEmbedding())("Сергей Собянин приехал в Москву.")
    spans = natasha_ner.natasha_spans(markup)
    assert (0, 14, "PER") in spans
    assert (25, 31, "LOC") in spans


def test_speed_table_ratio(speed):
    rows = speed.speed_table(1000, {2: {"fp32": 2.0, "int8": 1.0}, 1: {"fp32": 4.0, "int8": 4.0}})
    assert [row["threads"] for row in rows] == [1, 2]
    assert rows[1]["int8_speedup"] == 2.0
    assert rows[1]["fp32_words_per_second"] == 500.0


def test_machine_info_fields(speed):
    info = speed.machine_info()
    assert info["cpus"] >= 1
    assert info["quantized_engine"] in info["supported_engines"]
