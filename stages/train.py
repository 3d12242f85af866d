"""Stage train: train the joint model on data/tokenized and save it to models/fp32.

    python stages/train.py               # reads params.yaml sections model, loss and train

Writes models/fp32 (config.json, model.pt, vocabulary or tokenizer), metrics/train.json and
dvclive plots under plots/train.
"""

import argparse
import logging
from pathlib import Path

import torch
from dvclive import Live

from nerel_mtl.checkpoint import save_model
from nerel_mtl.io import read_json, write_json
from nerel_mtl.model.heads import DOCUMENT_HEADS
from nerel_mtl.params import ParamError, load_params, require_choice, require_positive, section, setup_logging
from nerel_mtl.training import THRESHOLD_OBJECTIVES, train

logger = logging.getLogger("train")


def check_params(params: dict, meta: dict) -> None:
    require_choice(params, "model.encoder", ("navec", "hf"))
    require_choice(params, "loss.weighting", ("uncertainty", "fixed"))
    require_choice(params, "model.document_head", tuple(DOCUMENT_HEADS))
    require_choice(params, "train.cls_threshold_objective", THRESHOLD_OBJECTIVES)
    for key in ("train.epochs", "train.batch_words", "train.threads", "train.patience", "train.average_epochs",
                "model.hidden_size", "model.num_layers", "model.char_dim", "model.char_filters",
                "model.shape_dim", "model.attention_heads"):
        require_positive(params, key, integer=True)
    for key in ("model.attention_layers", "model.tune_words"):
        require_positive(params, key, allow_zero=True, integer=True)
    for key in ("train.lr_encoder", "train.lr_heads", "train.clip_grad_norm"):
        require_positive(params, key)
    for key in ("train.weight_decay", "train.warmup_ratio", "model.dropout", "loss.cls_positive_weight_power"):
        require_positive(params, key, allow_zero=True)
    if params["model"]["encoder"] != meta["encoder"]:
        raise ParamError(f"model.encoder: {params['model']['encoder']!r} but data/tokenized was "
                         f"built for {meta['encoder']!r}; re-run stage tokenize")
    if meta["encoder"] == "hf" and params["model"]["pretrained"] != meta.get("pretrained"):
        raise ParamError(f"model.pretrained: {params['model']['pretrained']!r} but data/tokenized was "
                         f"built with {meta.get('pretrained')!r}; re-run stage tokenize")


def main(tokenized: Path, model_dir: Path, metrics_path: Path, plots_dir: Path) -> None:
    setup_logging()
    params = load_params()
    meta = read_json(tokenized / "meta.json")
    check_params(params, meta)
    model_params = section(params, "model")
    train_params = section(params, "train")

    config = {
        "model": model_params,
        "loss": section(params, "loss"),
        "tokenize": meta["tokenize"],
        "ner_labels": meta["ner_labels"],
        "cls_labels": meta["cls_labels"],
        "num_words": meta.get("num_words"),
        "word_dim": meta.get("word_dim"),
        "num_chars": meta.get("num_chars"),
        "thresholds": None,
        "quantization": None,
    }
    # Our own stage output: lists of ids, which the weights-only unpickler would reject.
    train_docs = torch.load(tokenized / "train.pt", weights_only=False)
    dev_docs = torch.load(tokenized / "dev.pt", weights_only=False)
    embeddings = torch.load(tokenized / "embeddings.pt") if meta["encoder"] == "navec" else None

    with Live(str(plots_dir), dvcyaml=False, save_dvc_exp=False) as live:
        model, config, metrics = train(config, train_docs, dev_docs, train_params, embeddings,
                                       pretrained=meta.get("pretrained"), live=live)
    save_model(model, config, model_dir, assets_from=tokenized)
    write_json(metrics_path, metrics)
    dev = metrics["dev"]
    print(f"best epoch {metrics['best_epoch']}/{metrics['epochs_run']}, "
          f"{metrics['seconds_per_epoch']} s per epoch, {metrics['training_seconds']} s in all")
    print(f"dev token F1 {dev['token_f1']:.4f}  entity F1 {dev['entity_f1']:.4f}  "
          f"CLS micro F1 {dev['cls_f1']:.4f}  CLS macro F1 {dev['cls_macro_f1']:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenized", type=Path, default=Path("data/tokenized"), help="input folder")
    parser.add_argument("--model-dir", type=Path, default=Path("models/fp32"), help="output model folder")
    parser.add_argument("--metrics", type=Path, default=Path("metrics/train.json"), help="output metrics file")
    parser.add_argument("--plots", type=Path, default=Path("plots/train"), help="dvclive folder")
    arguments = parser.parse_args()
    main(arguments.tokenized, arguments.model_dir, arguments.metrics, arguments.plots)
