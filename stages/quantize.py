"""Stage quantize: models/fp32 -> models/int8 and metrics/quantize.json.

    python stages/quantize.py        (or: dvc repro quantize)

Reads the `quantize` section of params.yaml: backend (torch_dynamic | none), quantize_embeddings,
and the optional engine (a torch quantized engine such as x86, fbgemm or onednn; default: torch's).
"""

import logging

import torch

from nerel_mtl.checkpoint import load_model, save_model
from nerel_mtl.io import write_json
from nerel_mtl.params import load_params, require_choice, section, setup_logging
from nerel_mtl.quantize import (
    BACKENDS,
    directory_size_mb,
    large_embedding_names,
    quantization_spec,
    quantize_model,
    set_engine,
    state_dict_size_mb,
)

FP32_DIR = "models/fp32"
INT8_DIR = "models/int8"
METRICS = "metrics/quantize.json"

logger = logging.getLogger("stages.quantize")


def part_sizes_mb(model, names) -> dict:
    """Split the state_dict size between the embedding tables in `names` and everything else."""
    total = state_dict_size_mb(model)
    embeddings = state_dict_size_mb(model, names)
    return {"embeddings": round(embeddings, 3), "rest": round(total - embeddings, 3)}


def main() -> None:
    setup_logging()
    params = load_params()
    config_params = section(params, "quantize")
    backend = require_choice(params, "quantize.backend", BACKENDS)
    quantize_embeddings = bool(config_params.get("quantize_embeddings", True))
    engine = config_params.get("engine") or torch.backends.quantized.engine
    set_engine(engine)

    model, config = load_model(FP32_DIR)
    spec = quantization_spec(model, backend, quantize_embeddings, engine)
    qmodel = quantize_model(model, backend, quantize_embeddings, engine)
    save_model(qmodel, {**config, "quantization": spec}, INT8_DIR, assets_from=FP32_DIR)

    tables = large_embedding_names(model)
    fp32_mb = directory_size_mb(FP32_DIR)
    int8_mb = directory_size_mb(INT8_DIR)
    metrics = {
        "backend": backend,
        "engine": engine,
        "quantize_embeddings": quantize_embeddings,
        "fp32_mb": round(fp32_mb, 3),
        "int8_mb": round(int8_mb, 3),
        "size_ratio": round(int8_mb / fp32_mb, 4),
        "embedding_tables": tables,
        "fp32_parts_mb": part_sizes_mb(model, tables),
        "int8_parts_mb": part_sizes_mb(qmodel, tables),
        "quantized_modules": spec["modules"] + spec["embedding_modules"] if spec else [],
    }
    write_json(METRICS, metrics)

    logger.info(
        "%s (%s engine): %s %.1f MB -> %s %.1f MB (ratio %.3f); embeddings %.1f -> %.1f MB, "
        "rest %.1f -> %.1f MB",
        backend, engine, FP32_DIR, fp32_mb, INT8_DIR, int8_mb, metrics["size_ratio"],
        metrics["fp32_parts_mb"]["embeddings"], metrics["int8_parts_mb"]["embeddings"],
        metrics["fp32_parts_mb"]["rest"], metrics["int8_parts_mb"]["rest"],
    )


if __name__ == "__main__":
    main()
