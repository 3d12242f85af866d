"""Word and character vocabularies for the navec encoder, and the navec vectors they select."""

import logging
from collections import Counter
from pathlib import Path

import numpy as np

from nerel_mtl.io import read_json, write_json

logger = logging.getLogger(__name__)

PAD = "<pad>"
UNK = "<unk>"
PAD_ID = 0
UNK_ID = 1
VOCAB_FILE = "vocab.json"
# Characters past this many are dropped from a word's character ids (long URLs, hashtags).
MAX_WORD_CHARS = 20


def navec_path() -> Path:
    """Return the navec news embeddings shipped inside the natasha wheel (no download)."""
    import natasha

    path = Path(natasha.__file__).parent / "data" / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"
    if not path.is_file():
        raise FileNotFoundError(f"navec embeddings not found at {path}; reinstall natasha 1.6")
    return path


def load_navec():
    from navec import Navec

    return Navec.load(navec_path())


def word_keys(word: str) -> tuple[str, str]:
    """Return the lookup keys of a word: lowercased, then with ё replaced by е.

    navec has some words only in the е spelling, so the second key finds "ёлочка" as "елочка".
    """
    lower = word.lower()
    return lower, lower.replace("ё", "е")


class Vocab:
    def __init__(self, words: list[str], chars: list[str]):
        self.words = words
        self.chars = chars
        self.word_ids = {word: index for index, word in enumerate(words)}
        self.char_ids = {char: index for index, char in enumerate(chars)}

    def encode_word(self, word: str) -> int:
        for key in word_keys(word):
            if key in self.word_ids:
                return self.word_ids[key]
        return UNK_ID

    def encode_chars(self, word: str) -> list[int]:
        return [self.char_ids.get(char, UNK_ID) for char in word[:MAX_WORD_CHARS]]

    def save(self, folder) -> Path:
        path = Path(folder) / VOCAB_FILE
        write_json(path, {"words": self.words, "chars": self.chars})
        return path

    @classmethod
    def load(cls, folder) -> "Vocab":
        data = read_json(Path(folder) / VOCAB_FILE)
        return cls(data["words"], data["chars"])


def build_vocab(navec, texts_words, top_words: int, min_char_count: int = 2) -> Vocab:
    """Build the vocabulary from `texts_words` (an iterable of word lists).

    Words are the corpus words found in navec plus the `top_words` most frequent navec
    words; characters are those seen at least `min_char_count` times in the corpus.
    """
    word_counts = Counter()
    char_counts = Counter()
    for words in texts_words:
        for word in words:
            word_counts[word] += 1
            char_counts.update(word[:MAX_WORD_CHARS])

    known = set()
    unknown = 0
    for word in word_counts:
        key = next((key for key in word_keys(word) if key in navec.vocab.word_ids), None)
        if key is None:
            unknown += 1
        else:
            known.add(key)
    logger.info("corpus word forms: %d, distinct navec words they map to: %d, forms not in navec: %d",
                len(word_counts), len(known), unknown)

    top = [word for word in navec.vocab.top(top_words) if word not in (PAD, UNK)]
    words = [PAD, UNK] + sorted(known | set(top))
    chars = [PAD, UNK] + sorted(char for char, count in char_counts.items() if count >= min_char_count)
    return Vocab(words, chars)


def embedding_table(navec, vocab: Vocab) -> np.ndarray:
    """Return a dense float32 table [len(vocab.words), navec dim] of the navec vectors.

    `<pad>` is a zero row and `<unk>` is navec's own unknown vector.
    """
    table = np.zeros((len(vocab.words), navec.pq.dim), dtype=np.float32)
    table[UNK_ID] = navec[UNK]
    for index, word in enumerate(vocab.words[2:], start=2):
        table[index] = navec[word]
    return table
