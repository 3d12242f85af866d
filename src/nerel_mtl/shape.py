"""Word shapes: casing and character class of a word, as a small closed set of ids."""

PAD = "<pad>"
SHAPES = [PAD, "x", "xx", "X", "Xx", "XX", "xX", "d", "d+x", "punct", "other"]
SHAPE_IDS = {shape: index for index, shape in enumerate(SHAPES)}


def word_shape(word: str) -> str:
    """Return the shape of `word`: e.g. "Xx" for "Москва", "XX" for "ООН", "d" for "1995"."""
    if not word:
        return "other"
    if word.isdigit():
        return "d"
    if any(char.isdigit() for char in word):
        return "d+x"
    if not any(char.isalpha() for char in word):
        return "punct" if all(not char.isalnum() and not char.isspace() for char in word) else "other"
    letters = [char for char in word if char.isalpha()]
    if all(char.islower() for char in letters):
        return "x" if len(letters) == 1 else "xx"
    if all(char.isupper() for char in letters):
        return "X" if len(letters) == 1 else "XX"
    if letters[0].isupper() and all(char.islower() for char in letters[1:]):
        return "Xx"
    return "xX"


def shape_id(word: str) -> int:
    return SHAPE_IDS[word_shape(word)]
