"""Stage tokenize: encode data/parsed into model windows in data/tokenized.

    python stages/tokenize_stage.py            # reads params.yaml sections tokenize and model

Writes {train,dev,test}.pt (encoded documents), meta.json, and the vocabulary with the
navec table (navec) or the tokenizer and encoder config (hf).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch
from tqdm import tqdm

from nerel_mtl import SPLITS
from nerel_mtl.dataset import ENCODER_DIR, TOKENIZER_DIR, HfFeaturizer, NavecFeaturizer, encode_document
from nerel_mtl.io import read_json, read_jsonl, write_json
from nerel_mtl.params import (ParamError, load_params, require_choice, require_positive, section,
                              setup_logging)
from nerel_mtl.vocab import build_vocab, embedding_table, load_navec

logger = logging.getLogger("tokenize")


ENCODERS = ("navec", "hf")


def check_params(params: dict) -> None:
    require_choice(params, "model.encoder", ENCODERS)
    require_positive(params, "tokenize.max_length")
    require_positive(params, "tokenize.stride", allow_zero=True)
    require_positive(params, "tokenize.navec_top_words", allow_zero=True)
    tokenize = params["tokenize"]
    if params["model"]["encoder"] == "hf" and tokenize["stride"] >= tokenize["max_length"]:
        raise ParamError(f"tokenize.stride: invalid value {tokenize['stride']}; "
                         f"expected less than tokenize.max_length ({tokenize['max_length']})")


def load_hf(pretrained: str, out: Path):
    from transformers import AutoConfig, AutoTokenizer

    if not pretrained:
        raise ParamError("model.pretrained: missing; set a hub name or a local folder for encoder 'hf'")
    try:
        tokenizer = AutoTokenizer.from_pretrained(pretrained)
        encoder_config = AutoConfig.from_pretrained(pretrained)
    except (OSError, ValueError) as error:
        raise ParamError(f"model.pretrained: cannot load {pretrained!r} ({error}); "
                         "set a local folder with a tokenizer and config.json or an available hub name") from error
    tokenizer.save_pretrained(str(out / TOKENIZER_DIR))
    encoder_config.save_pretrained(str(out / ENCODER_DIR))
    return tokenizer


def main(parsed: Path, out: Path) -> None:
    setup_logging()
    params = load_params()
    check_params(params)
    tokenize = section(params, "tokenize")
    model = section(params, "model")
    started = time.perf_counter()

    labels = read_json(parsed / "labels.json")
    docs = {split: list(read_jsonl(parsed / f"{split}.jsonl")) for split in SPLITS}
    out.mkdir(parents=True, exist_ok=True)
    meta = {"encoder": model["encoder"], "tokenize": tokenize, "ner_labels": labels["ner"],
            "cls_labels": labels["cls"]}

    if model["encoder"] == "navec":
        navec = load_navec()
        # Training words only: a dev word outside the navec top words would otherwise get its
        # vector while the same unseen word in new text gets <unk>, and dev F1 would be too high.
        corpus_words = ([doc["text"][start:stop] for start, stop in doc["words"]] for doc in docs["train"])
        vocab = build_vocab(navec, corpus_words, tokenize["navec_top_words"])
        vocab.save(out)
        table = torch.from_numpy(embedding_table(navec, vocab))
        torch.save(table, out / "embeddings.pt")
        meta.update(num_words=len(vocab.words), word_dim=int(table.shape[1]), num_chars=len(vocab.chars))
        featurizer = NavecFeaturizer(vocab, tokenize["max_length"])
    else:
        tokenizer = load_hf(model["pretrained"], out)
        meta["pretrained"] = model["pretrained"]
        featurizer = HfFeaturizer(tokenizer, tokenize["max_length"], tokenize["stride"],
                                  tokenize["label_all_tokens"])

    meta["splits"] = {}
    for split in SPLITS:
        encoded = [encode_document(featurizer, doc, labels["ner"], labels["cls"])
                   for doc in tqdm(docs[split], desc=split)]
        torch.save(encoded, out / f"{split}.pt")
        meta["splits"][split] = {
            "documents": len(encoded),
            "words": sum(doc["size"] for doc in encoded),
            "windows": sum(len(doc["windows"]) for doc in encoded),
            "documents_without_windows": sum(not doc["windows"] for doc in encoded),
            "words_in_no_window": sum(count_uncovered(doc) for doc in encoded),
        }
        logger.info("%s: %s", split, meta["splits"][split])
    write_json(out / "meta.json", meta)
    logger.info("tokenized in %.1f s", time.perf_counter() - started)


def count_uncovered(doc: dict) -> int:
    covered = {word for window in doc["windows"] for word in window["word_index"] if word >= 0}
    return doc["size"] - len(covered)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parsed", type=Path, default=Path("data/parsed"), help="input folder")
    parser.add_argument("--out", type=Path, default=Path("data/tokenized"), help="output folder")
    arguments = parser.parse_args()
    main(arguments.parsed, arguments.out)
