"""Cutting long documents into windows and merging per-window predictions back."""


def sentence_windows(starts: list[int], size: int, max_length: int) -> list[tuple[int, int]]:
    """Cut `size` words into non-overlapping windows of at most `max_length` words.

    Windows end at sentence starts (`starts`, word indices) and have similar lengths, so
    the windows of one document pad well in a batch. A sentence longer than `max_length`
    is cut hard.
    """
    if size == 0:
        return []
    count = -(-size // max_length)
    target = size / count
    boundaries = sorted(set(starts) | {size})
    windows = []
    start = 0
    while start < size:
        limit = min(start + max_length, size)
        candidates = [stop for stop in boundaries if start < stop <= limit]
        if limit == size:
            stop = size
        elif candidates:
            stop = min(candidates, key=lambda stop: abs(stop - start - target))
        else:
            stop = limit
        windows.append((start, stop))
        start = stop
    return windows


def token_windows(word_ids: list[int | None], body_length: int, stride: int) -> list[tuple[int, int]]:
    """Cut a token sequence into windows of at most `body_length` tokens, overlapping by
    about `stride` tokens.

    `word_ids` gives the word of each token. Windows start and end at word boundaries,
    unless a single word is longer than a window, so every word keeps its first subword
    inside some window.
    """
    size = len(word_ids)
    if size == 0:
        return []
    if stride >= body_length:
        raise ValueError(f"stride {stride} must be smaller than the window body {body_length} tokens")

    def word_start(position):
        while 0 < position < size and word_ids[position] == word_ids[position - 1]:
            position -= 1
        return position

    windows = []
    start = 0
    while True:
        stop = min(start + body_length, size)
        if stop < size:
            aligned = word_start(stop)
            stop = aligned if aligned > start else stop
        windows.append((start, stop))
        if stop == size:
            return windows
        next_start = word_start(max(stop - stride, start + 1))
        while next_start <= start:
            # The overlap fell inside the first word: begin at the next word start instead.
            next_start += 1
            while next_start < stop and word_ids[next_start] == word_ids[next_start - 1]:
                next_start += 1
        start = next_start


def merge_windows(size: int, window_words: list[list[int]], window_values: list[list], default):
    """Merge per-window values into one value per word.

    `window_words[k][i]` is the word index of position i of window k (-1 for none) and
    `window_values[k][i]` its value. Each word takes its value from the window where it is
    most central, i.e. farthest from the window edges; ties go to the earlier window.
    Words that no window covers get `default`.
    """
    merged = [default] * size
    best = [-1] * size
    for words, values in zip(window_words, window_values):
        positions = [index for index, word in enumerate(words) if word >= 0]
        if not positions:
            continue
        first, last = positions[0], positions[-1]
        for index in positions:
            word = words[index]
            centrality = min(index - first, last - index)
            if centrality > best[word]:
                best[word] = centrality
                merged[word] = values[index]
    return merged
