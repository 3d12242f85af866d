"""A tiny saved navec model with fixed outputs, shared by the predict and compare tests."""

from pathlib import Path

import torch

from nerel_mtl.bio import ner_labels
from nerel_mtl.checkpoint import save_model
from nerel_mtl.model import build_model
from nerel_mtl.vocab import Vocab

NER_LABELS = ner_labels(["CITY", "PERSON"])
CLS_LABELS = ["LOCATED_IN", "WORKS_AS"]


def build_tiny_model(folder, ner_labels=NER_LABELS, cls_labels=CLS_LABELS):
    """Save a tiny untrained navec model whose heads are fixed: every word is tagged with the
    fourth NER label (B-PERSON here), and the document scores are sigmoid(5) for the first CLS
    label and sigmoid(-5) for the others. Thresholds are 0.5."""
    words = ["<pad>", "<unk>", "иван", "петров", "москва", "в"]
    chars = ["<pad>", "<unk>"] + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
    config = {
        "model": {"encoder": "navec", "pretrained": "", "char_dim": 8, "char_filters": 8,
                  "shape_dim": 4, "hidden_size": 8, "num_layers": 1, "dropout": 0.0, "crf": True,
                  "freeze_embeddings": True},
        "loss": {"weighting": "uncertainty", "fixed_weights": {"ner": 1.0, "cls": 1.0},
                 "log_var_min": -4.0, "log_var_max": 4.0},
        # 16 words per window, so the long-text test spans many windows.
        "tokenize": {"max_length": 16, "stride": 4, "label_all_tokens": False},
        "num_words": len(words), "word_dim": 8, "num_chars": len(chars),
        "ner_labels": list(ner_labels), "cls_labels": list(cls_labels),
        "thresholds": [0.5] * len(cls_labels), "quantization": None,
    }

    torch.manual_seed(0)
    model = build_model(config)
    token_bias = torch.zeros(len(ner_labels))
    token_bias[3] = 100.0
    document_bias = torch.full((len(cls_labels),), -5.0)
    document_bias[0] = 5.0
    with torch.no_grad():
        model.token_head.linear.weight.zero_()
        model.token_head.linear.bias.copy_(token_bias)
        model.document_head.linear.weight.zero_()
        model.document_head.linear.bias.copy_(document_bias)

    Path(folder).mkdir(parents=True, exist_ok=True)
    Vocab(words, chars).save(folder)
    save_model(model, config, folder)
    return folder
