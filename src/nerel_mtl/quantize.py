"""Post-training INT8 quantization of a trained model for CPU inference.

Backend `torch_dynamic`: weights of nn.Linear and nn.LSTM become INT8 (activations are quantized
on the fly per batch), and each large nn.Embedding table becomes INT8 with a float scale and zero
point per row, dequantized on lookup. Conv layers and the CRF stay FP32 because dynamic quantization
has no kernels for them and the CRF holds only a small transition matrix.
Backend `none` returns the FP32 model unchanged.

NOTE: speed-up depends on threads. The dynamically quantized LSTM runs no faster with a second
thread while the FP32 LSTM does, so INT8 gains less at 2 threads than at 1; reports/benchmarks.md
has the measured ratios.

The spec returned by `quantization_spec` is stored as config["quantization"]; `prepare_quantized`
replays it on a freshly built FP32 model so that the saved INT8 state_dict loads into it.
"""

import io
import logging
import warnings
from pathlib import Path

import torch
from torch import nn
from torch.ao.nn.quantized import Embedding as QuantizedEmbedding
from torch.ao.quantization import (
    default_dynamic_qconfig,
    float_qparams_weight_only_qconfig,
    quantize_dynamic,
)

from nerel_mtl.params import ParamError

logger = logging.getLogger(__name__)

BACKENDS = ("torch_dynamic", "none")
DYNAMIC_TYPES = (nn.Linear, nn.LSTM)
# Only tables with at least this share of all parameters are quantized: the navec or subword table.
# Small tables such as the char or shape embeddings would save little size but still add error.
EMBEDDING_MIN_SHARE = 0.1


def quantization_spec(model: nn.Module, backend: str, quantize_embeddings: bool, engine=None):
    """Return the dict for config["quantization"], or None when `backend` is "none"."""
    check_backend(backend)
    if backend == "none":
        return None

    return {
        "backend": backend,
        "dtype": "qint8",
        "engine": engine or torch.backends.quantized.engine,
        "embeddings": bool(quantize_embeddings),
        "modules": _module_names(model, DYNAMIC_TYPES),
        "embedding_modules": large_embedding_names(model) if quantize_embeddings else [],
    }


def quantize_model(model: nn.Module, backend: str, quantize_embeddings: bool, engine=None):
    """Return an INT8 copy of `model` (backend "torch_dynamic") or `model` itself ("none")."""
    spec = quantization_spec(model, backend, quantize_embeddings, engine)
    if spec is None:
        return model
    return prepare_quantized(model, spec)


def prepare_quantized(model: nn.Module, spec: dict) -> nn.Module:
    """Apply the structural transform of `spec` to an FP32 model and return the INT8 module.

    The INT8 weights are computed from the current weights of `model`. On a freshly built model
    this gives the saved structure, and `load_state_dict` then restores the saved INT8 weights.
    Sets the process-wide torch.backends.quantized.engine to spec["engine"] when it is given.
    """
    if spec is None:
        return model
    backend = spec.get("backend")
    if backend != "torch_dynamic":
        raise ParamError(
            f"quantization.backend: invalid value {backend!r} in the model config; "
            "accepted values: 'torch_dynamic' (re-run the quantize stage to rewrite the config)"
        )
    if spec.get("dtype", "qint8") != "qint8":
        raise ParamError(f"quantization.dtype: invalid value {spec['dtype']!r}; accepted values: 'qint8'")

    engine = spec.get("engine")
    if engine:
        set_engine(engine)

    _check_names(model, spec["modules"], DYNAMIC_TYPES)
    _check_names(model, spec.get("embedding_modules", []), (nn.Embedding,))
    qconfig = {name: default_dynamic_qconfig for name in spec["modules"]}

    model = model.eval()
    with warnings.catch_warnings():
        # NOTE: torch.ao.quantization.quantize_dynamic still works in torch 2.13 but warns that it
        # is deprecated in favour of torchao. torchao is not installed, so only that notice is muted.
        warnings.filterwarnings("ignore", message=".*torch.ao.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
        qmodel = quantize_dynamic(model, qconfig, dtype=torch.qint8, inplace=False)
        for name in spec.get("embedding_modules", []):
            _set_submodule(qmodel, name, quantize_embedding(qmodel.get_submodule(name)))
    return qmodel


def quantize_embedding(embedding: nn.Embedding) -> QuantizedEmbedding:
    """Convert an embedding table to quint8 with a float scale and zero point per row.

    An all-zero row (the usual padding row) dequantizes to exact zeros, so padding_idx keeps its
    meaning at inference. The index is copied onto the module for code that reads it.
    """
    embedding.qconfig = float_qparams_weight_only_qconfig
    quantized = QuantizedEmbedding.from_float(embedding)
    del embedding.qconfig
    quantized.padding_idx = embedding.padding_idx
    return quantized


def set_engine(engine: str) -> None:
    """Select the torch quantized engine (x86, fbgemm, onednn, ...) for the whole process."""
    supported = torch.backends.quantized.supported_engines
    if engine not in supported:
        accepted = ", ".join(repr(name) for name in supported if name != "none")
        raise ParamError(f"quantize.engine: invalid value {engine!r}; accepted values: {accepted}")
    torch.backends.quantized.engine = engine


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        accepted = ", ".join(repr(name) for name in BACKENDS)
        raise ParamError(f"quantize.backend: invalid value {backend!r}; accepted values: {accepted}")


def state_dict_size_mb(model: nn.Module, prefixes=None) -> float:
    """Measure the torch.save size in MB (10^6 bytes) of the state_dict entries under `prefixes`.

    With `prefixes=None` every entry counts; otherwise keys must start with one of "prefix.".
    """
    state = model.state_dict()
    if prefixes is not None:
        starts = tuple(f"{prefix}." for prefix in prefixes)
        state = {key: value for key, value in state.items() if key.startswith(starts)}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getbuffer().nbytes / 1e6


def embedding_names(model: nn.Module) -> list:
    """Names of the FP32 and INT8 embedding tables in `model`."""
    return _module_names(model, (nn.Embedding, QuantizedEmbedding))


def large_embedding_names(model: nn.Module, min_share: float = EMBEDDING_MIN_SHARE) -> list:
    """Names of the nn.Embedding tables holding at least `min_share` of the model's parameters."""
    total = sum(parameter.numel() for parameter in model.parameters())
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Embedding) and module.weight.numel() >= min_share * total
    ]


def _module_names(model: nn.Module, types) -> list:
    return [name for name, module in model.named_modules() if name and isinstance(module, types)]


def _check_names(model: nn.Module, names, types) -> None:
    found = set(_module_names(model, types))
    missing = [name for name in names if name not in found]
    if missing:
        kinds = "/".join(kind.__name__ for kind in types)
        raise ValueError(
            f"quantization spec names modules {missing} that are not {kinds} modules of "
            f"{type(model).__name__}; the model code changed since quantization, so re-run "
            "the quantize stage"
        )


def _set_submodule(model: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, module)


def directory_size_mb(path) -> float:
    """Sum the sizes of all files under `path`, in MB (10^6 bytes)."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: model folder not found; run the stage that writes it")
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) / 1e6
