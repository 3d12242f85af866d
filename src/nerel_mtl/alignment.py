"""Subword tokenization for the hf encoder: windows of tokens and word labels aligned to them."""

import logging

from nerel_mtl.bio import INSIDE, OUTSIDE, split_tag
from nerel_mtl.windows import token_windows

logger = logging.getLogger(__name__)

IGNORE = -100


def inside_tag(tag: str) -> str:
    part, type = split_tag(tag)
    return tag if part == OUTSIDE else f"{INSIDE}-{type}"


def special_tokens_around(tokenizer) -> tuple[list[int], list[int]]:
    """Return the special token ids the tokenizer puts before and after a single sequence
    (e.g. [CLS] and [SEP] for BERT), read from the encoding of one word."""
    encoding = tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)
    ids = encoding["input_ids"]
    words = encoding.word_ids()
    inside = [index for index, word in enumerate(words) if word is not None]
    return ids[:inside[0]], ids[inside[-1] + 1:]


def tokenize_and_align_labels(tokenizer, words: list[str], tags: list[str] | None, label_ids: dict,
                              max_length: int, stride: int, label_all_tokens: bool = False) -> list[dict]:
    """Tokenize one document's words into windows of at most `max_length` tokens.

    Returns one dict per window with these lists, one item per token:
    - `input_ids`: token ids, special tokens included;
    - `word_index`: the document word of each token, -1 for special tokens;
    - `first`: 1 on the first subword of a word;
    - `head`: 1 on tokens the token head predicts (first subwords, or all subwords of words
      when `label_all_tokens`);
    - `labels`: label id on head tokens and -100 elsewhere (all -100 when `tags` is None). Consecutive windows overlap by about `stride` tokens.
    Words the tokenizer turns into no tokens (e.g. "\\u200b") appear in no window.
    """
    if not tokenizer.is_fast:
        raise ValueError(f"{type(tokenizer).__name__} is not a fast tokenizer; word offsets need one")
    if not words:
        return []

    encoding = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    ids = encoding["input_ids"]
    word_ids = encoding.word_ids()
    prefix, suffix = special_tokens_around(tokenizer)
    special = len(prefix) + len(suffix)
    body_length = max_length - special
    if body_length <= stride:
        raise ValueError(f"tokenize.max_length {max_length} leaves {body_length} tokens after "
                         f"{special} special tokens; it must exceed tokenize.stride {stride}")

    windows = []
    for start, stop in token_windows(word_ids, body_length, stride):
        word_index, first, head, labels = [], [], [], []
        previous = None
        for word in word_ids[start:stop]:
            is_first = word != previous
            previous = word
            is_head = is_first or label_all_tokens
            word_index.append(word)
            first.append(int(is_first))
            head.append(int(is_head))
            if tags is None or not is_head:
                labels.append(IGNORE)
            else:
                tag = tags[word] if is_first else inside_tag(tags[word])
                labels.append(label_ids[tag])
        before, after = [0] * len(prefix), [0] * len(suffix)
        windows.append({"input_ids": prefix + ids[start:stop] + suffix,
                        "word_index": [-1] * len(prefix) + word_index + [-1] * len(suffix),
                        "first": before + first + after,
                        "head": before + head + after,
                        "labels": [IGNORE] * len(prefix) + labels + [IGNORE] * len(suffix)})
    return windows
