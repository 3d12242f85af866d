"""The whole DVC pipeline, run for real in a temporary git repository.

It uses the real corpus when $NEREL_DIR is set (a few documents per split) and
the brat fixture corpus otherwise, so CI on any machine runs it. Navec, torch
quantization and DVC are the real ones.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = REPO_ROOT / "tests" / "fixtures" / "nerel_mini"
COPIED = [".dvc", ".dvcignore", ".gitignore", "dvc.yaml", "params.yaml", "src", "stages"]
STAGES = [
    "prepare", "eda", "parse", "tokenize", "train", "quantize",
    "evaluate@fp32", "evaluate@int8", "compare",
]
EVAL_KEYS = {
    "token": {"f1_micro", "precision", "recall", "accuracy", "f1_macro"},
    "entity": {"precision", "recall", "f1", "f1_macro"},
    "cls": {"f1_micro", "precision", "recall", "f1_macro", "f1_samples",
            "subset_accuracy", "hamming_accuracy"},
    "speed": {"seconds", "words_per_second", "docs_per_second", "threads"},
}


def small_params(corpus: Path, verify: bool) -> dict:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["data"].update(nerel_dir=str(corpus), max_docs=4, verify=verify)
    params["tokenize"].update(navec_top_words=500)
    params["model"].update(hidden_size=32, num_layers=1, char_filters=16)
    params["train"].update(epochs=1, patience=1)
    params["evaluate"].update(timing_runs=3, html_documents=2, error_examples=2)
    return params


def run(command: list[str], cwd: Path) -> str:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    env.pop("NEREL_DIR", None)
    # dvc exp run commits through its own git backend, which reads identity from the environment.
    for role in ("AUTHOR", "COMMITTER"):
        env.setdefault(f"GIT_{role}_NAME", "test")
        env.setdefault(f"GIT_{role}_EMAIL", "test@example.com")
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed with exit code {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result.stdout + result.stderr


def git(cwd: Path, *args: str) -> str:
    return run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args], cwd)


@pytest.fixture(scope="module")
def pipeline_repo(tmp_path_factory) -> Path:
    corpus = Path(os.environ["NEREL_DIR"]) if os.environ.get("NEREL_DIR") else FIXTURE_CORPUS
    verify = bool(os.environ.get("NEREL_DIR"))
    repo = tmp_path_factory.mktemp("pipeline")

    for name in COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    params = small_params(corpus, verify)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")

    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Pipeline under test")
    return repo


@pytest.fixture(scope="module")
def first_repro(pipeline_repo) -> str:
    return run(["dvc", "repro"], pipeline_repo)


def test_repro_runs_every_stage(first_repro):
    for stage in STAGES:
        assert f"Running stage '{stage}'" in first_repro, stage


def test_repro_writes_declared_outputs(pipeline_repo, first_repro):
    dvc_yaml = yaml.safe_load((pipeline_repo / "dvc.lock").read_text(encoding="utf-8"))
    for stage, entry in dvc_yaml["stages"].items():
        for out in entry.get("outs", []):
            assert (pipeline_repo / out["path"]).exists(), f"{stage}: {out['path']}"


def test_eval_metrics_have_defined_keys(pipeline_repo, first_repro):
    for variant in ("fp32", "int8"):
        metrics = json.loads((pipeline_repo / f"metrics/eval_{variant}.json").read_text())
        for group, keys in EVAL_KEYS.items():
            assert keys <= set(metrics[group]), f"{variant}.{group}: {sorted(metrics[group])}"
        assert metrics["size_mb"] > 0


def test_second_repro_runs_nothing(pipeline_repo, first_repro):
    output = run(["dvc", "repro"], pipeline_repo)
    assert "Running stage" not in output
    status = run(["dvc", "status", "--json"], pipeline_repo)
    assert json.loads(status.strip().splitlines()[-1]) == {}


def stage_outs(repo: Path, stage: str) -> dict:
    lock = yaml.safe_load((repo / "dvc.lock").read_text(encoding="utf-8"))
    return {out["path"]: out["md5"] for out in lock["stages"][stage]["outs"]}


def test_forced_training_repeats_model(pipeline_repo, first_repro):
    # Retraining with the same params must give the same bytes, or dvc.lock would change on every
    # forced run. tests/test_training.py checks the deterministic gradients themselves.
    before = stage_outs(pipeline_repo, "train")
    run(["dvc", "repro", "--force", "--single-item", "train"], pipeline_repo)
    after = stage_outs(pipeline_repo, "train")
    assert after["models/fp32"] == before["models/fp32"]
    assert after["plots/train"] == before["plots/train"]


def test_experiment_changes_metrics(pipeline_repo, first_repro):
    git(pipeline_repo, "add", "-A")
    git(pipeline_repo, "commit", "-q", "-m", "Baseline run")

    # A new seed as well, because on a few documents the best epoch may stay the first one,
    # and an unchanged model would rightly leave the evaluate stages cached.
    run(["dvc", "exp", "run", "-S", "train.epochs=2", "-S", "train.seed=7"], pipeline_repo)

    exp_table = json.loads(run(["dvc", "exp", "show", "--json"], pipeline_repo).splitlines()[-1])
    experiments = [
        exp for entry in exp_table for exp in (entry.get("experiments") or [])
    ]
    assert experiments, "dvc exp show lists no experiment"
    revisions = [run_ for exp in experiments for run_ in exp["revs"]]
    epochs = [
        rev["data"]["params"]["params.yaml"]["data"]["train"]["epochs"] for rev in revisions
    ]
    assert 2 in epochs

    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], pipeline_repo).splitlines()[-1])
    assert "metrics/train.json" in diff, sorted(diff)
    assert "metrics/eval_fp32.json" in diff, sorted(diff)
