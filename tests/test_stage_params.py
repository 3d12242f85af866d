"""Invalid params.yaml values stop the tokenize and train stages before any work."""

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml

from nerel_mtl.params import ParamError

REPO_ROOT = Path(__file__).resolve().parent.parent
NAVEC_META = {"encoder": "navec"}


def load_stage(name):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", REPO_ROOT / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def default_params() -> dict:
    return yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))


def changed(params: dict, key: str, value) -> dict:
    params = copy.deepcopy(params)
    *parents, last = key.split(".")
    node = params
    for part in parents:
        node = node[part]
    node[last] = value
    return params


def test_default_params_pass(default_params):
    load_stage("tokenize_stage").check_params(default_params)
    load_stage("train").check_params(default_params, NAVEC_META)


@pytest.mark.parametrize("key, value", [
    ("model.encoder", "bert"),
    ("tokenize.max_length", 0),
    ("tokenize.stride", -1),
])
def test_tokenize_rejects_invalid(default_params, key, value):
    stage = load_stage("tokenize_stage")
    with pytest.raises(ParamError, match=key.replace(".", r"\.")):
        stage.check_params(changed(default_params, key, value))


@pytest.mark.parametrize("key, value", [
    ("model.encoder", "elmo"),
    ("model.document_head", "mean"),
    ("loss.weighting", "equal"),
    ("train.epochs", 0),
    ("train.batch_words", -5),
    ("train.lr_encoder", "fast"),
    ("model.dropout", -0.1),
    ("train.average_epochs", 0),
    ("train.cls_threshold_objective", "macro"),
    ("model.attention_layers", -1),
    ("model.tune_words", -5),
    ("model.attention_layers", 1.5),
    ("train.epochs", 2.5),
    ("model.attention_heads", 0),
    ("loss.cls_positive_weight_power", -0.5),
])
def test_train_rejects_invalid(default_params, key, value):
    stage = load_stage("train")
    with pytest.raises(ParamError, match=key.replace(".", r"\.")):
        stage.check_params(changed(default_params, key, value), NAVEC_META)


def test_train_message_lists_accepted_values(default_params):
    stage = load_stage("train")
    with pytest.raises(ParamError) as error:
        stage.check_params(changed(default_params, "model.document_head", "mean"), NAVEC_META)
    assert "'label_attention'" in str(error.value)
    assert "'attention_max'" in str(error.value)


def test_train_rejects_stale_tokenized(default_params):
    stage = load_stage("train")
    with pytest.raises(ParamError, match="re-run stage tokenize"):
        stage.check_params(default_params, {"encoder": "hf", "pretrained": "some/model"})


def test_hf_without_pretrained_rejected(tmp_path, default_params):
    stage = load_stage("tokenize_stage")
    with pytest.raises(ParamError, match=r"model\.pretrained"):
        stage.load_hf("", tmp_path)


def test_hf_missing_folder_rejected(tmp_path):
    stage = load_stage("tokenize_stage")
    with pytest.raises(ParamError, match=r"model\.pretrained"):
        stage.load_hf(str(tmp_path / "no-such-model"), tmp_path / "out")
