"""Saving a trained model to a folder and rebuilding it from that folder alone."""

import logging
import shutil
import warnings
from pathlib import Path

import torch

from nerel_mtl.dataset import ENCODER_DIR, TOKENIZER_DIR
from nerel_mtl.io import read_json, write_json
from nerel_mtl.model import build_model
from nerel_mtl.vocab import VOCAB_FILE

logger = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
MODEL_FILE = "model.pt"
ASSETS = (VOCAB_FILE, TOKENIZER_DIR, ENCODER_DIR)


def save_model(model, config: dict, model_dir, assets_from=None) -> Path:
    """Write `config` as config.json, the state_dict as model.pt, and copy the vocabulary,
    tokenizer and encoder config found in `assets_from` (e.g. data/tokenized)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    if assets_from is not None:
        for name in ASSETS:
            source = Path(assets_from) / name
            target = model_dir / name
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            elif source.is_file():
                shutil.copy2(source, target)
    write_json(model_dir / CONFIG_FILE, config)
    torch.save(model.state_dict(), model_dir / MODEL_FILE)
    size_mb = (model_dir / MODEL_FILE).stat().st_size / 2**20
    logger.info("saved model to %s (model.pt %.1f MB)", model_dir, size_mb)
    return model_dir


def load_model(model_dir):
    """Rebuild the model saved in `model_dir` (no data/ access, no network) in eval mode.

    Returns (model, config). A quantized model is rebuilt as FP32, converted by
    nerel_mtl.quantize.prepare_quantized to the saved structure, then loaded.
    """
    model_dir = Path(model_dir)
    config_path = model_dir / CONFIG_FILE
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} not found; train a model first (dvc repro train)")
    config = read_json(config_path)
    model = build_model(config, encoder_dir=model_dir / ENCODER_DIR)
    quantization = config.get("quantization")
    if quantization:
        from nerel_mtl.quantize import prepare_quantized

        model = prepare_quantized(model, quantization)
    # Quantized modules store packed parameters that the weights-only unpickler rejects.
    with warnings.catch_warnings():
        # Unpickling packed INT8 parameters in torch 2.13 warns that TypedStorage is deprecated;
        # the warning is about torch internals, not about anything the user can change.
        warnings.filterwarnings("ignore", message="TypedStorage is deprecated")
        state = torch.load(model_dir / MODEL_FILE, map_location="cpu", weights_only=not quantization)
    model.load_state_dict(state)
    model.eval()
    return model, config
