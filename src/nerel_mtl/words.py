"""Words and sentences of a text, as razdel tokens with character offsets."""

from razdel import sentenize, tokenize


def tokenize_words(text: str) -> list[tuple[int, int]]:
    return [(token.start, token.stop) for token in tokenize(text)]


def sentence_starts(text: str, words: list[tuple[int, int]]) -> list[int]:
    """Return the indices of the words that begin a sentence, always including 0."""
    starts = []
    index = 0
    for sentence in sentenize(text):
        while index < len(words) and words[index][1] <= sentence.start:
            index += 1
        if index < len(words) and (not starts or starts[-1] != index):
            starts.append(index)
    if words and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    return starts
