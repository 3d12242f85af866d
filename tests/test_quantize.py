import pytest
import torch
from torch import nn

from nerel_mtl.params import ParamError
from nerel_mtl.quantize import (
    directory_size_mb,
    embedding_names,
    prepare_quantized,
    quantization_spec,
    quantize_model,
    state_dict_size_mb,
)


class Tagger(nn.Module):
    """A small stand-in for the joint model: embedding, char CNN, BiLSTM and two linear heads."""

    def __init__(self, vocab=500, dim=64, hidden=32):
        super().__init__()
        self.words = nn.Embedding(vocab, dim, padding_idx=0)
        self.chars = nn.Conv1d(dim, dim, kernel_size=3, padding=1)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.heads = nn.ModuleDict({"ner": nn.Linear(2 * hidden, 7), "cls": nn.Linear(2 * hidden, 5)})
        self.shapes = nn.Embedding(4, 8, padding_idx=0)

    def forward(self, ids):
        x = self.words(ids) + self.shapes(ids % 4).sum(dim=-1, keepdim=True)
        x = x + self.chars(x.transpose(1, 2)).transpose(1, 2)
        hidden, _ = self.lstm(x)
        return self.heads["ner"](hidden), self.heads["cls"](hidden.max(dim=1).values)


def build(seed=0):
    torch.manual_seed(seed)
    model = Tagger().eval()
    with torch.no_grad():
        model.words.weight[0].zero_()
    return model


@pytest.fixture
def ids():
    generator = torch.Generator().manual_seed(1)
    batch = torch.randint(1, 500, (4, 20), generator=generator)
    batch[:, -3:] = 0
    return batch


def run(model, ids):
    with torch.inference_mode():
        return model(ids)


def test_none_returns_fp32_model():
    model = build()
    assert quantize_model(model, "none", True) is model


def test_none_spec_is_null():
    assert quantization_spec(build(), "none", True) is None


def test_invalid_backend_names_key():
    with pytest.raises(ParamError) as error:
        quantize_model(build(), "onnx", True)
    message = str(error.value)
    assert "quantize.backend" in message
    assert "'torch_dynamic'" in message
    assert "'none'" in message


def test_spec_lists_modules():
    spec = quantization_spec(build(), "torch_dynamic", True)
    assert spec["modules"] == ["lstm", "heads.ner", "heads.cls"]
    assert spec["dtype"] == "qint8"


def test_spec_skips_small_embeddings():
    spec = quantization_spec(build(), "torch_dynamic", True)
    assert spec["embedding_modules"] == ["words"]


def test_spec_without_embeddings():
    spec = quantization_spec(build(), "torch_dynamic", False)
    assert spec["embedding_modules"] == []


def test_int8_module_types():
    qmodel = quantize_model(build(), "torch_dynamic", True)
    assert type(qmodel.lstm).__name__ == "LSTM"
    assert type(qmodel.lstm).__module__.startswith("torch.ao.nn.quantized.dynamic")
    assert type(qmodel.heads["ner"]).__module__.startswith("torch.ao.nn.quantized.dynamic")
    assert type(qmodel.chars) is nn.Conv1d
    assert type(qmodel.shapes) is nn.Embedding
    assert qmodel.words.padding_idx == 0


def test_fp32_model_left_unchanged():
    model = build()
    quantize_model(model, "torch_dynamic", True)
    assert type(model.lstm) is nn.LSTM
    assert type(model.words) is nn.Embedding


def test_int8_close_to_fp32(ids):
    model = build()
    ner, cls = run(model, ids)
    qner, qcls = run(quantize_model(model, "torch_dynamic", True), ids)
    assert (qner - ner).abs().max() < 0.05
    assert (qcls - cls).abs().max() < 0.05
    assert (qner.argmax(-1) == ner.argmax(-1)).float().mean() > 0.9


def test_padding_row_stays_zero():
    qmodel = quantize_model(build(), "torch_dynamic", True)
    row = qmodel.words(torch.tensor([[0]]))
    assert torch.count_nonzero(row) == 0


def test_round_trip_same_outputs(tmp_path, ids):
    model = build()
    spec = quantization_spec(model, "torch_dynamic", True)
    qmodel = quantize_model(model, "torch_dynamic", True)
    torch.save(qmodel.state_dict(), tmp_path / "model.pt")

    fresh = prepare_quantized(build(seed=99), spec)
    fresh.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=False))

    for expected, actual in zip(run(qmodel, ids), run(fresh, ids)):
        assert torch.equal(expected, actual)


def test_spec_mismatch_is_reported():
    spec = quantization_spec(build(), "torch_dynamic", True)
    spec["modules"].append("decoder")
    with pytest.raises(ValueError, match="decoder"):
        prepare_quantized(build(), spec)


def test_unknown_spec_backend():
    with pytest.raises(ParamError, match="torch_dynamic"):
        prepare_quantized(build(), {"backend": "onnx"})


def test_int8_smaller_on_disk(tmp_path):
    model = build()
    qmodel = quantize_model(model, "torch_dynamic", True)
    (tmp_path / "fp32").mkdir()
    (tmp_path / "int8").mkdir()
    torch.save(model.state_dict(), tmp_path / "fp32" / "model.pt")
    torch.save(qmodel.state_dict(), tmp_path / "int8" / "model.pt")
    fp32_mb = directory_size_mb(tmp_path / "fp32")
    int8_mb = directory_size_mb(tmp_path / "int8")
    assert fp32_mb > 0
    assert int8_mb < 0.5 * fp32_mb


def test_part_sizes_add_up():
    qmodel = quantize_model(build(), "torch_dynamic", True)
    names = embedding_names(qmodel)
    total = state_dict_size_mb(qmodel)
    embeddings = state_dict_size_mb(qmodel, names)
    assert names == ["words", "shapes"]
    assert 0 < embeddings < total


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="model folder not found"):
        directory_size_mb(tmp_path / "absent")


def tiny_joint_config():
    return {
        "model": {"encoder": "navec", "char_dim": 8, "char_filters": 16, "shape_dim": 4,
                  "hidden_size": 16, "num_layers": 2, "dropout": 0.3, "crf": True,
                  "freeze_embeddings": True},
        "loss": {"weighting": "uncertainty", "log_var_min": -4.0, "log_var_max": 4.0},
        "num_words": 2000, "word_dim": 50, "num_chars": 40,
        "ner_labels": ["O", "B-PERSON", "I-PERSON", "B-CITY", "I-CITY"],
        "cls_labels": ["WORKS_AS", "HEADQUARTERED_IN", "AGE_IS"],
    }


def build_joint(seed=0, config=None):
    from nerel_mtl.model import build_model

    torch.manual_seed(seed)
    model = build_model(config or tiny_joint_config()).eval()
    with torch.no_grad():
        model.encoder.embedding.words.weight.normal_()
        model.encoder.embedding.words.weight[0].zero_()
    return model


def joint_batch():
    generator = torch.Generator().manual_seed(2)
    lengths = torch.tensor([12, 9, 5])
    valid = torch.arange(12).unsqueeze(0) < lengths.unsqueeze(1)
    word_ids = torch.randint(1, 2000, (3, 12), generator=generator).masked_fill(~valid, 0)
    char_ids = torch.randint(1, 40, (3, 12, 6), generator=generator).masked_fill(~valid.unsqueeze(-1), 0)
    shape_ids = torch.randint(1, 4, (3, 12), generator=generator).masked_fill(~valid, 0)
    return {"word_ids": word_ids, "char_ids": char_ids, "shape_ids": shape_ids, "lengths": lengths,
            "head": valid, "first": valid, "window_doc": torch.tensor([0, 0, 1]), "num_docs": 2}


def test_joint_model_spec():
    spec = quantization_spec(build_joint(), "torch_dynamic", True)
    assert spec["embedding_modules"] == ["encoder.embedding.words"]
    assert "encoder.layers.0.forward_lstm" in spec["modules"]
    assert "token_head.linear" in spec["modules"]


def test_joint_model_round_trip(tmp_path):
    batch = joint_batch()
    model = build_joint()
    spec = quantization_spec(model, "torch_dynamic", True)
    qmodel = quantize_model(model, "torch_dynamic", True)
    torch.save(qmodel.state_dict(), tmp_path / "model.pt")

    fresh = prepare_quantized(build_joint(seed=5), spec)
    fresh.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=False))

    with torch.inference_mode():
        tags, probabilities = qmodel.predict(batch)
        fresh_tags, fresh_probabilities = fresh.predict(batch)
    assert torch.equal(tags, fresh_tags)
    assert torch.equal(probabilities, fresh_probabilities)


def test_joint_model_close_to_fp32():
    batch = joint_batch()
    model = build_joint()
    qmodel = quantize_model(model, "torch_dynamic", True)
    with torch.inference_mode():
        tags, probabilities = model.predict(batch)
        qtags, qprobabilities = qmodel.predict(batch)
    assert (probabilities - qprobabilities).abs().max() < 0.02
    assert (tags == qtags).float().mean() > 0.9


def attention_joint_config():
    config = tiny_joint_config()
    return {**config, "model": {**config["model"], "attention_layers": 1, "attention_heads": 4}}


def test_attention_layers_quantized():
    batch = joint_batch()
    model = build_joint(config=attention_joint_config())
    spec = quantization_spec(model, "torch_dynamic", True)
    assert {"encoder.attention.0.qkv", "encoder.attention.0.output", "encoder.attention.0.feed_forward.0",
            "encoder.attention.0.feed_forward.2"} <= set(spec["modules"])
    qmodel = quantize_model(model, "torch_dynamic", True)
    assert isinstance(qmodel.encoder.attention[0].qkv, torch.ao.nn.quantized.dynamic.Linear)
    with torch.inference_mode():
        tags, probabilities = model.predict(batch)
        qtags, qprobabilities = qmodel.predict(batch)
    assert (probabilities - qprobabilities).abs().max() < 0.02
    assert (tags == qtags).float().mean() > 0.9


def test_tuned_word_corrections_stay_fp32(tmp_path):
    config = tiny_joint_config()
    config = {**config, "model": {**config["model"], "tune_words": 50}}
    model = build_joint(config=config)
    embedding = model.encoder.embedding
    embedding.select_tuned_words(list(range(2, 52)))
    with torch.no_grad():
        embedding.corrections.vectors.weight[1:].normal_(std=0.1)
    spec = quantization_spec(model, "torch_dynamic", True)
    assert spec["embedding_modules"] == ["encoder.embedding.words"]
    qmodel = quantize_model(model, "torch_dynamic", True)
    torch.save(qmodel.state_dict(), tmp_path / "model.pt")

    fresh = prepare_quantized(build_joint(seed=5, config=config), spec)
    fresh.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=False))
    assert torch.equal(fresh.encoder.embedding.corrections.rows, embedding.corrections.rows)
    batch = joint_batch()
    with torch.inference_mode():
        _, probabilities = model.predict(batch)
        _, qprobabilities = fresh.predict(batch)
    assert (probabilities - qprobabilities).abs().max() < 0.02


TEXTS = [
    "Сергей Собянин встретился с президентом в Москве. Встреча прошла в Кремле.",
    "Компания Газпром открыла офис в Санкт-Петербурге, сообщил Алексей Миллер.",
    "В Новосибирске 12 мая прошёл фестиваль.",
]


def save_tiny_fp32(model_dir):
    from nerel_mtl.checkpoint import save_model
    from nerel_mtl.vocab import PAD, UNK, Vocab
    from nerel_mtl.words import tokenize_words

    forms = sorted({text[start:stop].lower() for text in TEXTS for start, stop in tokenize_words(text)})
    chars = sorted({char for text in TEXTS for char in text})
    config = tiny_joint_config()
    config.update({
        "num_words": 2000, "num_chars": len(chars) + 2,
        "tokenize": {"max_length": 8, "stride": 0, "label_all_tokens": False},
        "thresholds": [0.5, 0.5, 0.5], "quantization": None,
    })
    model_dir.mkdir()
    Vocab([PAD, UNK] + forms, [PAD, UNK] + chars).save(model_dir)
    save_model(build_joint(config=config), config, model_dir)
    return config


def test_checkpoint_round_trip(tmp_path):
    from nerel_mtl.checkpoint import load_model, save_model
    from nerel_mtl.inference import load_predictor

    config = save_tiny_fp32(tmp_path / "fp32")
    model, _ = load_model(tmp_path / "fp32")
    spec = quantization_spec(model, "torch_dynamic", True)
    qmodel = quantize_model(model, "torch_dynamic", True)
    save_model(qmodel, {**config, "quantization": spec}, tmp_path / "int8", assets_from=tmp_path / "fp32")

    docs = [{"text": text} for text in TEXTS]
    in_memory = load_predictor(tmp_path / "int8")
    in_memory.model = qmodel
    expected = in_memory.predict(docs)
    loaded = load_predictor(tmp_path / "int8").predict(docs)

    assert [doc["tags"] for doc in loaded] == [doc["tags"] for doc in expected]
    assert [doc["cls_scores"] for doc in loaded] == [doc["cls_scores"] for doc in expected]
    assert directory_size_mb(tmp_path / "int8") < directory_size_mb(tmp_path / "fp32")


def run_stage(repo_root, tmp_path, monkeypatch, backend):
    import importlib.util

    import yaml

    from nerel_mtl.io import read_json

    (tmp_path / "models").mkdir()
    save_tiny_fp32(tmp_path / "models" / "fp32")
    params = {"quantize": {"backend": backend, "quantize_embeddings": True}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    path = repo_root / "stages" / "quantize.py"
    spec = importlib.util.spec_from_file_location("stage_quantize", path)
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    stage.main()
    return read_json(tmp_path / "metrics" / "quantize.json")


def test_stage_writes_metrics(repo_root, tmp_path, monkeypatch):
    metrics = run_stage(repo_root, tmp_path, monkeypatch, "torch_dynamic")
    assert metrics["int8_mb"] < metrics["fp32_mb"]
    assert metrics["size_ratio"] < 1
    assert metrics["embedding_tables"] == ["encoder.embedding.words"]
    assert metrics["int8_parts_mb"]["embeddings"] < metrics["fp32_parts_mb"]["embeddings"]
    assert (tmp_path / "models" / "int8" / "vocab.json").is_file()


def test_stage_none_copies_fp32(repo_root, tmp_path, monkeypatch):
    from nerel_mtl.io import read_json

    metrics = run_stage(repo_root, tmp_path, monkeypatch, "none")
    config = read_json(tmp_path / "models" / "int8" / "config.json")
    fp32 = torch.load(tmp_path / "models" / "fp32" / "model.pt")
    int8 = torch.load(tmp_path / "models" / "int8" / "model.pt")
    assert config["quantization"] is None
    assert fp32.keys() == int8.keys()
    assert all(torch.equal(fp32[key], int8[key]) for key in fp32)
    assert metrics["quantized_modules"] == []


def test_invalid_engine_names_key():
    with pytest.raises(ParamError) as error:
        quantize_model(build(), "torch_dynamic", True, engine="tpu")
    message = str(error.value)
    assert "quantize.engine" in message
    assert "'x86'" in message
