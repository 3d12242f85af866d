import pytest

from helpers_hf import prepare, sample_docs
from nerel_mtl.checkpoint import load_model, save_model
from nerel_mtl.inference import load_predictor
from nerel_mtl.model import build_model


@pytest.mark.parametrize("encoder", ["navec", "hf"])
def test_save_load_same_predictions(encoder, tmp_path):
    docs = sample_docs()
    config, _, table, pretrained = prepare(encoder, tmp_path / "assets", docs)
    model = build_model(config, pretrained=pretrained)
    if table is not None:
        model.encoder.embedding.load_vectors(table)
    save_model(model, config, tmp_path / "model", assets_from=tmp_path / "assets")

    predictor = load_predictor(tmp_path / "model", threads=1)
    inputs = [{"text": doc["text"], "words": doc["words"]} for doc in docs]
    first = predictor.predict(inputs)
    again = load_predictor(tmp_path / "model", threads=1).predict(inputs)
    assert first == again
    assert [len(output["tags"]) for output in first] == [len(doc["words"]) for doc in docs]


def test_predict_without_words(tmp_path):
    docs = sample_docs()
    config, _, table, _ = prepare("navec", tmp_path / "assets", docs)
    model = build_model(config)
    model.encoder.embedding.load_vectors(table)
    save_model(model, config, tmp_path / "model", assets_from=tmp_path / "assets")
    output = load_predictor(tmp_path / "model").predict([{"text": "Иван живёт в Москве."}, {"text": ""}])
    assert output[0]["words"][0] == [0, 4]
    assert output[1]["tags"] == []
    assert len(output[1]["cls_scores"]) == len(config["cls_labels"])
    assert all(label in config["cls_labels"] for label in output[0]["cls_labels"])


def test_load_restores_config(tmp_path):
    docs = sample_docs()
    config, _, table, _ = prepare("navec", tmp_path / "assets", docs)
    save_model(build_model(config), config, tmp_path / "model", assets_from=tmp_path / "assets")
    model, loaded = load_model(tmp_path / "model")
    assert loaded == config
    assert not model.training


def test_missing_model_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_model(tmp_path / "nothing")
