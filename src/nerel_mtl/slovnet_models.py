"""Slovnet's pretrained news NER and morphology models from the natasha wheel: weights and word shapes.

Both models (navec vectors and a shape embedding, three convolution layers, a tag head) were
trained on large news corpora: NER on PER/LOC/ORG tags, morphology on part-of-speech and
grammatical features. Their convolution outputs carry knowledge that NEREL's 746 training
documents do not.
"""

from functools import lru_cache
from pathlib import Path

from slovnet.const import SHAPE
from slovnet.exec.model import NER, Morph
from slovnet.exec.pack import Pack
from slovnet.shape import word_shape

SLOVNET_NER_FILE = "slovnet_ner_news_v1.tar"
SLOVNET_MORPH_FILE = "slovnet_morph_news_v1.tar"


def slovnet_model_path(name: str) -> Path:
    import natasha

    path = Path(natasha.__file__).parent / "data" / "model" / name
    if not path.is_file():
        raise FileNotFoundError(f"slovnet model not found at {path}; reinstall natasha 1.6")
    return path


def load_slovnet_record(name: str, model_class):
    """Return (model record with its weight arrays, shape vocabulary) of a slovnet model file."""
    with Pack(str(slovnet_model_path(name))) as pack:
        pack.load_meta().check_protocol()
        record = pack.load_model(model_class)
        arrays = dict(pack.load_arrays(record.weights))
        shapes = pack.load_vocab(SHAPE)
    return record.inject_arrays(arrays), shapes


@lru_cache(maxsize=1)
def load_slovnet_ner():
    """Return (model record with its weight arrays, shape vocabulary) of the slovnet NER model."""
    return load_slovnet_record(SLOVNET_NER_FILE, NER)


@lru_cache(maxsize=1)
def load_slovnet_morph():
    """Return (model record with its weight arrays, shape vocabulary) of the slovnet morphology model.
    Its shape vocabulary equals the NER model's, so slovnet_shape_id serves both."""
    return load_slovnet_record(SLOVNET_MORPH_FILE, Morph)


def slovnet_shape_id(word: str) -> int:
    """Return the id of `word`'s shape in slovnet's shape vocabulary (its unknown id if absent)."""
    _, shapes = load_slovnet_ner()
    return shapes.encode(word_shape(word))
