import pytest

from nerel_mtl.shape import word_shape
from nerel_mtl.vocab import PAD_ID, UNK_ID, Vocab, build_vocab, embedding_table, load_navec


@pytest.mark.parametrize("word, shape", [
    ("Москва", "Xx"), ("ООН", "XX"), ("и", "x"), ("газета", "xx"), ("1995", "d"),
    ("COVID-19", "d+x"), ("«", "punct"), ("iPhone", "xX"), ("", "other"),
])
def test_word_shape(word, shape):
    assert word_shape(word) == shape


@pytest.fixture(scope="module")
def navec():
    return load_navec()


def test_vocab_keeps_known_words(navec):
    vocab = build_vocab(navec, [["Москва", "ёлочка", "zzqxw"]], top_words=10)
    assert vocab.encode_word("москва") != UNK_ID
    # navec has only the е spelling of this word.
    assert vocab.encode_word("ЁЛОЧКА") != UNK_ID
    assert vocab.encode_word("ёлочка") == vocab.encode_word("елочка")
    assert vocab.encode_word("zzqxw") == UNK_ID
    assert vocab.words[PAD_ID] == "<pad>"
    assert len(vocab.words) <= 2 + 2 + 10


def test_embedding_table_rows(navec):
    vocab = build_vocab(navec, [["Москва"]], top_words=0)
    table = embedding_table(navec, vocab)
    assert table.shape == (len(vocab.words), 300)
    assert not table[PAD_ID].any()
    assert (table[vocab.encode_word("Москва")] == navec["москва"]).all()


def test_vocab_save_load(tmp_path):
    vocab = Vocab(["<pad>", "<unk>", "дом"], ["<pad>", "<unk>", "д"])
    vocab.save(tmp_path)
    loaded = Vocab.load(tmp_path)
    assert loaded.encode_word("Дом") == 2
    assert loaded.encode_chars("дом") == [2, 1, 1]
