import pytest

from helpers_hf import build_tiny_hf
from nerel_mtl.alignment import IGNORE, tokenize_and_align_labels

LABELS = ["O", "B-PERSON", "I-PERSON", "B-CITY", "I-CITY"]
LABEL_IDS = {label: index for index, label in enumerate(LABELS)}


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(build_tiny_hf(tmp_path_factory.mktemp("hf"))))


def first_labels(windows):
    """Map word index -> label ids on its first subwords across windows."""
    found = {}
    for window in windows:
        for word, first, label in zip(window["word_index"], window["first"], window["labels"]):
            if first:
                found.setdefault(word, set()).add(label)
    return found


def test_special_tokens_ignored(tokenizer):
    windows = tokenize_and_align_labels(tokenizer, ["Иван", "Петров"], ["B-PERSON", "I-PERSON", ],
                                        LABEL_IDS, max_length=32, stride=4)
    window = windows[0]
    assert window["input_ids"][0] == tokenizer.cls_token_id
    assert window["input_ids"][-1] == tokenizer.sep_token_id
    assert window["labels"][0] == IGNORE
    assert window["labels"][-1] == IGNORE
    assert window["word_index"][0] == -1


def test_subwords_after_first_ignored(tokenizer):
    words = ["Санкт-Петербург"]
    windows = tokenize_and_align_labels(tokenizer, words, ["B-CITY"], LABEL_IDS, max_length=32, stride=4)
    labels = [label for label, word in zip(windows[0]["labels"], windows[0]["word_index"]) if word == 0]
    assert len(labels) >= 3
    assert labels[0] == LABEL_IDS["B-CITY"]
    assert set(labels[1:]) == {IGNORE}


def test_label_all_tokens_uses_inside(tokenizer):
    windows = tokenize_and_align_labels(tokenizer, ["Санкт-Петербург"], ["B-CITY"], LABEL_IDS,
                                        max_length=32, stride=4, label_all_tokens=True)
    labels = [label for label, word in zip(windows[0]["labels"], windows[0]["word_index"]) if word == 0]
    assert labels[0] == LABEL_IDS["B-CITY"]
    assert set(labels[1:]) == {LABEL_IDS["I-CITY"]}


def test_dropped_word_has_no_token(tokenizer):
    words = ["Иван", "\u200b", "Петров"]
    windows = tokenize_and_align_labels(tokenizer, words, ["B-PERSON", "O", "B-PERSON"], LABEL_IDS,
                                        max_length=32, stride=4)
    found = first_labels(windows)
    assert 1 not in found
    assert found[2] == {LABEL_IDS["B-PERSON"]}


def test_three_windows_keep_every_label(tokenizer):
    words = "Иван Петров работает в Москве и в Бишкеке с 2010 года , сообщили органы Киргизии .".split()
    tags = ["O"] * len(words)
    tags[4] = "B-CITY"
    tags[7] = "B-CITY"
    tags[0], tags[1] = "B-PERSON", "I-PERSON"
    windows = tokenize_and_align_labels(tokenizer, words, tags, LABEL_IDS, max_length=8, stride=2)
    assert len(windows) >= 3
    assert all(len(window["input_ids"]) <= 8 for window in windows)
    found = first_labels(windows)
    assert sorted(found) == list(range(len(words)))
    for index, tag in enumerate(tags):
        assert found[index] == {LABEL_IDS[tag]}, words[index]


def test_entity_on_window_edge(tokenizer):
    words = "Иван Петров работает в Москве и в Бишкеке с 2010 года , сообщили органы Киргизии .".split()
    tags = ["O"] * len(words)
    windows = tokenize_and_align_labels(tokenizer, words, tags, LABEL_IDS, max_length=8, stride=2)
    edge = max(word for word in windows[0]["word_index"])
    tags[edge - 1], tags[edge], tags[edge + 1] = "B-PERSON", "I-PERSON", "I-PERSON"
    windows = tokenize_and_align_labels(tokenizer, words, tags, LABEL_IDS, max_length=8, stride=2)
    found = first_labels(windows)
    assert found[edge + 1] == {LABEL_IDS["I-PERSON"]}
    assert found[edge] == {LABEL_IDS["I-PERSON"]}


def test_no_tags_all_ignored(tokenizer):
    windows = tokenize_and_align_labels(tokenizer, ["Иван"], None, LABEL_IDS, max_length=32, stride=4)
    assert set(windows[0]["labels"]) == {IGNORE}
    assert windows[0]["head"][1] == 1
