from nerel_mtl.windows import merge_windows, sentence_windows, token_windows


def test_sentence_windows_cover_all_words():
    windows = sentence_windows([0, 40, 90, 150, 210], 260, max_length=100)
    assert windows[0][0] == 0
    assert windows[-1][1] == 260
    assert all(stop == next_start for (_, stop), (next_start, _) in zip(windows, windows[1:]))
    assert all(stop - start <= 100 for start, stop in windows)


def test_sentence_windows_end_at_sentences():
    windows = sentence_windows([0, 40, 90, 150, 210], 260, max_length=100)
    assert all(stop in (40, 90, 150, 210, 260) for _, stop in windows)


def test_long_sentence_cut_hard():
    assert sentence_windows([0], 250, max_length=100) == [(0, 100), (100, 200), (200, 250)]


def test_sentence_windows_empty():
    assert sentence_windows([], 0, max_length=100) == []


def test_token_windows_overlap_at_word_starts():
    word_ids = [0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7]
    windows = token_windows(word_ids, body_length=5, stride=2)
    assert windows[-1][1] == len(word_ids)
    for start, stop in windows:
        assert stop - start <= 5
        assert start == 0 or word_ids[start] != word_ids[start - 1]
    assert all(next_start < stop for (_, stop), (next_start, _) in zip(windows, windows[1:]))


def test_token_windows_long_word():
    windows = token_windows([0] * 7 + [1], body_length=3, stride=1)
    assert windows[-1][1] == 8
    assert all(stop - start <= 3 for start, stop in windows)


def test_merge_prefers_central_window():
    # Word 3 sits at the edge of window 0 and in the middle of window 1.
    merged = merge_windows(6, [[0, 1, 2, 3], [2, 3, 4, 5]], [["a"] * 4, ["b"] * 4], default="-")
    assert merged[0] == "a"
    assert merged[3] == "b"
    assert merged[5] == "b"


def test_merge_default_for_uncovered():
    merged = merge_windows(3, [[0, -1, 2]], [["x", "y", "z"]], default="O")
    assert merged == ["x", "O", "z"]
