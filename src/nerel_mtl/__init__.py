"""Joint NER and document-level relation-type classification on NEREL."""

__version__ = "0.1.0"

SPLITS = ("train", "dev", "test")
