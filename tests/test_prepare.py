import hashlib
import importlib.util
import logging
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from nerel_mtl import SPLITS
from nerel_mtl.io import read_json, read_jsonl
from nerel_mtl.nerel import (
    ARCHIVE_SUBDIR,
    DataError,
    download_corpus,
    read_corpus,
    read_jsonl_split,
    resolve_source,
    verify_corpus,
)

STAGES = Path(__file__).resolve().parent.parent / "stages"
FIXTURE_COUNTS = {"train": 6, "dev": 3, "test": 3}


def load_stage(name):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", STAGES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_params(folder, **data):
    params = {
        "data": {"format": "brat", "nerel_dir": "", "max_docs": 0, "verify": False, **data},
        "parse": {"cls_min_docs": 1},
        "eda": {"top_examples": 5},
    }
    (folder / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


def write_manifest(root, path):
    lines = [f"{hashlib.sha256(file.read_bytes()).hexdigest()}  {file.relative_to(root).as_posix()}"
             for file in sorted(root.rglob("*")) if file.is_file()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus_copy(tmp_path, fixtures_dir):
    root = tmp_path / "corpus"
    shutil.copytree(fixtures_dir / "nerel_mini", root)
    return root


def test_prepare_stage_brat(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini"))
    report = load_stage("prepare").main()
    for split in SPLITS:
        records = list(read_jsonl(tmp_path / "data/prepared" / f"{split}.jsonl"))
        assert len(records) == FIXTURE_COUNTS[split]
        assert report["splits"][split]["problems"] == {}
    assert (tmp_path / "data/prepared/report.json").is_file()


def test_prepare_stage_jsonl_same_output(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini"))
    prepare = load_stage("prepare")
    prepare.main()
    brat = {split: list(read_jsonl(f"data/prepared/{split}.jsonl")) for split in SPLITS}
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini_jsonl"), format="jsonl")
    prepare.main()
    jsonl = {split: list(read_jsonl(f"data/prepared/{split}.jsonl")) for split in SPLITS}
    assert brat == jsonl


def test_prepare_max_docs(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini"), max_docs=2)
    load_stage("prepare").main()
    ids = [record["id"] for record in read_jsonl("data/prepared/train.jsonl")]
    assert ids == ["101", "102"]


def test_prepare_rejects_verify_for_jsonl(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini_jsonl"), format="jsonl", verify=True)
    with pytest.raises(ValueError, match="data.verify"):
        load_stage("prepare").main()


def test_parse_stage_outputs(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini"))
    load_stage("prepare").main()
    report = load_stage("parse").main()
    labels = read_json("data/parsed/labels.json")
    example = next(read_jsonl("data/parsed/train.jsonl"))
    assert labels["ner"][0] == "O"
    assert "WORKS_AS" in labels["cls"]
    assert labels["cls_dropped"] == {}
    assert len(example["ner_tags"]) == len(example["words"])
    assert set(example) == {"id", "text", "words", "ner_tags", "entities", "relations", "cls_labels"}
    assert report["train"]["entities_skipped_nested"] >= 1
    assert read_json("data/parsed/report.json")["dev"]["documents"] == 3


def test_parse_stage_cls_min_docs(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_params(tmp_path, nerel_dir=str(fixtures_dir / "nerel_mini"))
    load_stage("prepare").main()
    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    params["parse"]["cls_min_docs"] = 5
    load_stage("parse").parse(params)
    labels = read_json("data/parsed/labels.json")
    assert labels["cls"] == ["WORKS_AS"]
    assert "LOCATED_IN" in labels["cls_dropped"]


def test_verify_accepts_matching_corpus(corpus_copy, tmp_path):
    manifest = write_manifest(corpus_copy, tmp_path / "manifest.sha256")
    assert verify_corpus(corpus_copy, manifest)["verified_files"] == 24


def test_verify_changed_file(corpus_copy, tmp_path):
    manifest = write_manifest(corpus_copy, tmp_path / "manifest.sha256")
    (corpus_copy / "dev/201.ann").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"dev/201\.ann: SHA-256 differs"):
        verify_corpus(corpus_copy, manifest)


def test_verify_missing_file(corpus_copy, tmp_path):
    manifest = write_manifest(corpus_copy, tmp_path / "manifest.sha256")
    (corpus_copy / "test/301.txt").unlink()
    with pytest.raises(DataError, match=r"test/301\.txt: file of the NEREL v1\.1 manifest not found"):
        verify_corpus(corpus_copy, manifest)


def test_verify_extra_document(corpus_copy, tmp_path):
    manifest = write_manifest(corpus_copy, tmp_path / "manifest.sha256")
    (corpus_copy / "train/999.txt").write_text("Лишний.", encoding="utf-8")
    with pytest.raises(DataError, match=r"999\.txt: not part of NEREL"):
        verify_corpus(corpus_copy, manifest)


def test_verify_extra_other_file_counted(corpus_copy, tmp_path):
    manifest = write_manifest(corpus_copy, tmp_path / "manifest.sha256")
    (corpus_copy / "README.md").write_text("notes", encoding="utf-8")
    assert verify_corpus(corpus_copy, manifest)["ignored_files"] == 1


def test_download_from_file_url(tmp_path, fixtures_dir):
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zip_file:
        for file in (fixtures_dir / "nerel_mini").rglob("*"):
            name = f"{ARCHIVE_SUBDIR}/{file.relative_to(fixtures_dir / 'nerel_mini').as_posix()}"
            zip_file.write(file, name)
    corpus = download_corpus(archive.as_uri(), tmp_path / "cache")
    records, _ = read_corpus(corpus)
    assert len(records["train"]) == 6
    assert download_corpus("file:///nonexistent.zip", tmp_path / "cache") == corpus


def test_download_failure_explains(tmp_path):
    with pytest.raises(DataError, match="set NEREL_DIR or data.nerel_dir"):
        download_corpus((tmp_path / "missing.zip").as_uri(), tmp_path / "cache")


def test_resolve_source_env(fixtures_dir, tmp_path):
    folder = fixtures_dir / "nerel_mini"
    assert resolve_source("", cache_dir=tmp_path, environ={"NEREL_DIR": str(folder)}) == folder


def test_resolve_source_param_wins(fixtures_dir, tmp_path):
    folder = fixtures_dir / "nerel_mini"
    environ = {"NEREL_DIR": str(tmp_path / "elsewhere")}
    assert resolve_source(str(folder), cache_dir=tmp_path, environ=environ) == folder


def test_resolve_source_missing_folder(tmp_path):
    with pytest.raises(DataError, match="NEREL_DIR=.*folder not found"):
        resolve_source("", environ={"NEREL_DIR": str(tmp_path / "none")})


@pytest.mark.parametrize("line, message", [
    ('{"id": "1", "text": "x", "entities": [], "relations": []}', "missing field 'links'"),
    ('{"id": 1, "text": "x", "entities": [], "relations": [], "links": []}', "field 'id' is int"),
    ('{"id": "1", "text": "x", "entities": [5], "relations": [], "links": []}', r"entities\[0\]"),
    ('[1, 2]', "expected a JSON object"),
])
def test_jsonl_validation_names_line(tmp_path, line, message):
    good = '{"id": "0", "text": "x", "entities": [], "relations": [], "links": []}'
    (tmp_path / "train.jsonl").write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"train\.jsonl:2: .*{message}"):
        read_jsonl_split(tmp_path, "train")


def test_jsonl_duplicate_id(tmp_path):
    good = '{"id": "0", "text": "x", "entities": [], "relations": [], "links": []}'
    (tmp_path / "train.jsonl").write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicate id"):
        read_jsonl_split(tmp_path, "train")


def count_lines(folder, prefix):
    return sum(line.startswith(prefix)
               for path in folder.glob("*.ann")
               for line in path.read_text(encoding="utf-8").splitlines())


def test_real_corpus_counts(nerel_dir):
    corpus, report = read_corpus(nerel_dir)
    assert {split: len(records) for split, records in corpus.items()} == {"train": 746, "dev": 94, "test": 93}
    for split in SPLITS:
        assert report[split]["entities"] == count_lines(nerel_dir / split, "T")
        assert report[split]["relations"] == count_lines(nerel_dir / split, "R")


def test_real_corpus_manifest(nerel_dir):
    assert verify_corpus(nerel_dir)["verified_files"] == 1867


def test_left_out_problems_are_logged(tmp_path, fixtures_dir, caplog):
    corpus = tmp_path / "corpus"
    shutil.copytree(fixtures_dir / "nerel_mini", corpus)
    last = sorted((corpus / "train").glob("*.ann"))[-1]
    last.write_text(last.read_text(encoding="utf-8") + "no id here\n", encoding="utf-8")

    with caplog.at_level(logging.INFO):
        _, report = read_corpus(corpus, max_docs=2)

    assert report["train"]["problems"] == {}
    assert "train: 2 documents, 0 problems (1 more, logged above, in documents left out" in caplog.text
