from nerel_mtl.words import sentence_starts, tokenize_words


def words_of(text):
    return [text[start:stop] for start, stop in tokenize_words(text)]


def test_words_offsets_match_text():
    text = "Сергей Лавров прилетел в Москву."
    assert words_of(text) == ["Сергей", "Лавров", "прилетел", "в", "Москву", "."]


def test_nbsp_separates_words():
    assert words_of("Пётр\u00a0Ёлкин") == ["Пётр", "Ёлкин"]


def test_crlf_offsets_count_cr():
    text = "Первая.\r\nВторая"
    assert tokenize_words(text)[-1] == (9, 15)


def test_number_with_comma_one_word():
    assert words_of("калибр 5,56 мм") == ["калибр", "5,56", "мм"]


def test_hyphenated_word_one_word():
    assert words_of("Санкт-Петербург") == ["Санкт-Петербург"]


def test_sentence_starts():
    text = "Завод открыт. Работают 500 человек. Всё."
    assert sentence_starts(text, tokenize_words(text)) == [0, 3, 7]


def test_sentence_starts_empty():
    assert sentence_starts("", []) == []


def test_bom_not_in_first_word():
    text = "\ufeffПрезидент России"
    words = tokenize_words(text)
    assert [text[start:stop] for start, stop in words] == ["Президент", "России"]
    assert words[0] == (1, 10)


def test_lone_bom_gives_no_words():
    assert tokenize_words("\ufeff") == []
