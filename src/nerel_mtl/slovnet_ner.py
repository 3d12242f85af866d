"""Slovnet's pretrained news NER model from the natasha wheel: its weights and word shapes.

The model (navec vectors and a shape embedding, three convolution layers, a CRF over
PER/LOC/ORG tags) was trained on a large automatically labelled news corpus, so its
convolution outputs carry knowledge that NEREL's 746 training documents do not.
"""

from functools import lru_cache
from pathlib import Path

SLOVNET_NER_FILE = "slovnet_ner_news_v1.tar"


def slovnet_ner_path() -> Path:
    import natasha

    path = Path(natasha.__file__).parent / "data" / "model" / SLOVNET_NER_FILE
    if not path.is_file():
        raise FileNotFoundError(f"slovnet NER model not found at {path}; reinstall natasha 1.6")
    return path


@lru_cache(maxsize=1)
def load_slovnet_ner():
    """Return (model record with its weight arrays, shape vocabulary) of the slovnet NER model."""
    from slovnet.const import SHAPE
    from slovnet.exec.model import NER
    from slovnet.exec.pack import Pack

    with Pack(str(slovnet_ner_path())) as pack:
        pack.load_meta().check_protocol()
        record = pack.load_model(NER)
        arrays = dict(pack.load_arrays(record.weights))
        shapes = pack.load_vocab(SHAPE)
    return record.inject_arrays(arrays), shapes


def slovnet_shape_id(word: str) -> int:
    """Return the id of `word`'s shape in slovnet's shape vocabulary (its unknown id if absent)."""
    from slovnet.shape import word_shape

    _, shapes = load_slovnet_ner()
    return shapes.encode(word_shape(word))
