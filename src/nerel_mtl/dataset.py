"""Documents as model input: windows of features, length-bucketed batches and padding."""

import logging
import random
from pathlib import Path

import torch

from nerel_mtl.alignment import IGNORE, tokenize_and_align_labels
from nerel_mtl.shape import shape_id
from nerel_mtl.slovnet_models import slovnet_shape_id
from nerel_mtl.vocab import Vocab
from nerel_mtl.windows import sentence_windows
from nerel_mtl.words import sentence_starts, tokenize_words

logger = logging.getLogger(__name__)

TOKENIZER_DIR = "tokenizer"
ENCODER_DIR = "encoder"


class NavecFeaturizer:
    """Turns a document into windows of word, character and shape ids."""

    def __init__(self, vocab: Vocab, max_length: int):
        self.vocab = vocab
        self.max_length = max_length

    def windows(self, text: str, words: list, tags: list[str] | None, label_ids: dict) -> list[dict]:
        starts = sentence_starts(text, [tuple(word) for word in words])
        windows = []
        for start, stop in sentence_windows(starts, len(words), self.max_length):
            forms = [text[begin:end] for begin, end in words[start:stop]]
            labels = [label_ids[tag] for tag in tags[start:stop]] if tags is not None else [IGNORE] * len(forms)
            windows.append({
                "word_ids": [self.vocab.encode_word(form) for form in forms],
                "char_ids": [self.vocab.encode_chars(form) or [0] for form in forms],
                "shape_ids": [shape_id(form) for form in forms],
                "slovnet_shape_ids": [slovnet_shape_id(form) for form in forms],
                "word_index": list(range(start, stop)),
                "labels": labels,
            })
        return windows


class HfFeaturizer:
    """Turns a document into overlapping windows of subword tokens."""

    def __init__(self, tokenizer, max_length: int, stride: int, label_all_tokens: bool):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.stride = stride
        self.label_all_tokens = label_all_tokens

    def windows(self, text: str, words: list, tags: list[str] | None, label_ids: dict) -> list[dict]:
        forms = [text[begin:end] for begin, end in words]
        return tokenize_and_align_labels(self.tokenizer, forms, tags, label_ids, self.max_length,
                                         self.stride, self.label_all_tokens)


def load_tokenizer(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def make_featurizer(config: dict, assets_dir):
    """Build the featurizer that `config` (a model config.json) describes, from `assets_dir`."""
    tokenize = config["tokenize"]
    if config["model"]["encoder"] == "navec":
        return NavecFeaturizer(Vocab.load(assets_dir), tokenize["max_length"])
    tokenizer = load_tokenizer(Path(assets_dir) / TOKENIZER_DIR)
    return HfFeaturizer(tokenizer, tokenize["max_length"], tokenize["stride"], tokenize["label_all_tokens"])


def encode_document(featurizer, doc: dict, ner_labels: list[str] | None = None,
                    cls_labels: list[str] | None = None) -> dict:
    """Encode one document: {"text", optional "words", optional "ner_tags", "cls_labels"}.

    Returns {"id", "size" (words), "words", "windows"}. With `ner_labels` given the windows
    carry label ids and "tags" contains the gold label id per word; with `cls_labels` given
    "cls" is the multi-hot target.
    """
    text = doc["text"]
    words = doc.get("words")
    if words is None:
        words = [list(word) for word in tokenize_words(text)]
    tags = doc.get("ner_tags") if ner_labels is not None else None
    if tags is not None and len(tags) != len(words):
        raise ValueError(f"document {doc.get('id')!r}: {len(tags)} ner_tags for {len(words)} words; "
                         "re-run stage parse")
    label_ids = {label: index for index, label in enumerate(ner_labels or [])}
    unknown = set(tags or []) - set(label_ids)
    if unknown:
        raise ValueError(f"document {doc.get('id')!r}: tags {sorted(unknown)} are not in labels.json")

    encoded = {"id": doc.get("id"), "size": len(words), "words": words,
               "windows": featurizer.windows(text, words, tags, label_ids)}
    if tags is not None:
        encoded["tags"] = [label_ids[tag] for tag in tags]
    if cls_labels is not None:
        present = set(doc.get("cls_labels", []))
        encoded["cls"] = [float(label in present) for label in cls_labels]
    return encoded


def padded_words(docs: list[dict]) -> int:
    windows = [window for doc in docs for window in doc["windows"]]
    if not windows:
        return 0
    return len(windows) * max(len(window["labels"]) for window in windows)


def make_batches(docs: list[dict], batch_words: int, shuffle: bool, seed: int = 0) -> list[list[int]]:
    """Group document indices into batches of at most about `batch_words` padded positions.

    Documents are sorted by their longest window so a batch pads little; a document larger
    than `batch_words` gets a batch of its own. With `shuffle`, lengths get a little noise and
    the batch order is shuffled, both from `seed`.
    """
    rng = random.Random(seed)

    def key(index):
        windows = docs[index]["windows"]
        longest = max((len(window["labels"]) for window in windows), default=0)
        return longest + (rng.uniform(-8, 8) if shuffle else 0)

    order = sorted(range(len(docs)), key=key)
    batches, current = [], []
    for index in order:
        candidate = current + [index]
        if current and padded_words([docs[i] for i in candidate]) > batch_words:
            batches.append(current)
            candidate = [index]
        current = candidate
    if current:
        batches.append(current)
    if shuffle:
        rng.shuffle(batches)
    return batches


def pad(rows: list[list[int]], value: int, length: int | None = None) -> torch.Tensor:
    length = max((len(row) for row in rows), default=0) if length is None else length
    return torch.tensor([row + [value] * (length - len(row)) for row in rows], dtype=torch.long)


def pad_chars(windows_chars: list[list[list[int]]], length: int) -> torch.Tensor:
    longest = max((len(chars) for window in windows_chars for chars in window), default=1)
    table = torch.zeros((len(windows_chars), length, longest), dtype=torch.long)
    for row, window in enumerate(windows_chars):
        for column, chars in enumerate(window):
            table[row, column, :len(chars)] = torch.tensor(chars, dtype=torch.long)
    return table


def collate(docs: list[dict], encoder: str) -> dict:
    """Pad the windows of `docs` into one batch of tensors.

    Per position the batch has `word_index` (-1 for padding and special tokens), `head`
    (the token head predicts it), `first` (first subword of a word, read by document pooling)
    and `labels` (-100 where there is nothing to learn). `window_doc` maps windows to documents.
    """
    windows = [window for doc in docs for window in doc["windows"]]
    window_doc = [index for index, doc in enumerate(docs) for _ in doc["windows"]]
    lengths = [len(window["labels"]) for window in windows]
    batch = {
        "window_doc": torch.tensor(window_doc, dtype=torch.long),
        "lengths": torch.tensor(lengths, dtype=torch.long),
        "labels": pad([window["labels"] for window in windows], IGNORE),
        "word_index": pad([window["word_index"] for window in windows], -1),
        "num_docs": len(docs),
    }
    if encoder == "navec":
        batch["word_ids"] = pad([window["word_ids"] for window in windows], 0)
        batch["shape_ids"] = pad([window["shape_ids"] for window in windows], 0)
        if windows and "slovnet_shape_ids" in windows[0]:
            batch["slovnet_shape_ids"] = pad([window["slovnet_shape_ids"] for window in windows], 0)
        batch["char_ids"] = pad_chars([window["char_ids"] for window in windows], max(lengths, default=0))
        valid = batch["word_index"] >= 0
        batch["head"] = valid
        batch["first"] = valid
    else:
        batch["input_ids"] = pad([window["input_ids"] for window in windows], 0)
        batch["attention_mask"] = pad([[1] * length for length in lengths], 0)
        batch["head"] = pad([window["head"] for window in windows], 0).bool()
        batch["first"] = pad([window["first"] for window in windows], 0).bool()
    if docs and "cls" in docs[0]:
        batch["cls"] = torch.tensor([doc["cls"] for doc in docs], dtype=torch.float)
    return batch
