"""Words and sentences of a text, as razdel tokens with character offsets."""

from razdel import sentenize, tokenize


BOM = "\ufeff"


def tokenize_words(text: str) -> list[tuple[int, int]]:
    """Return razdel word spans; a byte order mark before the first word is not part of it."""
    words = [(token.start, token.stop) for token in tokenize(text)]
    if words and text.startswith(BOM):
        start, stop = words[0]
        words[0] = (start + 1, stop) if start == 0 else (start, stop)
        if words[0][0] == words[0][1]:
            words.pop(0)
    return words


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
