import json
import os
import stat
import subprocess
import sys

import pytest

from helpers_model import CLS_LABELS, NER_LABELS, build_tiny_model
from nerel_mtl.cli import main
from nerel_mtl.predict import brat_annotation, entities_from_tags, write_atomic

TEXT = "Иван Петров\r\nживёт в\xa0Москве, ёлка.\r\n"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("model"))


def write_bytes(path, data: bytes):
    path.write_bytes(data)
    return str(path)


def run_json(model_dir, tmp_path, *files, extra=()):
    output = tmp_path / "out.jsonl"
    code = main(["predict", "--model", str(model_dir), "--output", str(output), *extra, *files])
    assert code == 0
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def test_entities_from_given_tags():
    text = "Ёлка\xa0в Москве"
    words = [[0, 4], [5, 6], [7, 13]]
    entities = entities_from_tags(text, words, ["B-PERSON", "O", "B-CITY"])
    assert entities == [
        {"type": "PERSON", "start": 0, "end": 4, "text": "Ёлка"},
        {"type": "CITY", "start": 7, "end": 13, "text": "Москве"},
    ]


def test_entities_span_words():
    text = "Иван Петров\r\nпришёл"
    entities = entities_from_tags(text, [[0, 4], [5, 11], [13, 19]], ["B-PERSON", "I-PERSON", "O"])
    assert entities[0]["text"] == "Иван Петров"


def test_brat_splits_line_breaks():
    entity = {"type": "PERSON", "start": 10, "end": 23, "text": "Иван\r\nПетров!"}
    line = brat_annotation([entity])
    assert line == "T1\tPERSON 10 14;16 23\tИван Петров!\n"


def test_offsets_slice_input(model_dir, tmp_path):
    path = write_bytes(tmp_path / "doc.txt", TEXT.encode("utf-8"))
    record = run_json(model_dir, tmp_path, path)[0]
    texts = [entity["text"] for entity in record["entities"]]
    assert texts == ["Иван", "Петров", "живёт", "в", "Москве", ",", "ёлка", "."]
    for entity in record["entities"]:
        assert TEXT[entity["start"]:entity["end"]] == entity["text"]


def test_crlf_offsets_count_cr(model_dir, tmp_path):
    path = write_bytes(tmp_path / "doc.txt", TEXT.encode("utf-8"))
    record = run_json(model_dir, tmp_path, path)[0]
    # "Иван Петров" is 11 characters, then "\r\n", so "живёт" starts at 13.
    assert record["entities"][2]["start"] == 13


def test_labels_over_threshold(model_dir, tmp_path):
    path = write_bytes(tmp_path / "doc.txt", TEXT.encode("utf-8"))
    record = run_json(model_dir, tmp_path, path, extra=["--all-scores"])[0]
    assert [label["label"] for label in record["labels"]] == ["LOCATED_IN"]
    assert record["scores"]["WORKS_AS"] == pytest.approx(0.0067, abs=1e-4)


def test_empty_input(model_dir, tmp_path):
    path = write_bytes(tmp_path / "empty.txt", b"")
    record = run_json(model_dir, tmp_path, path)[0]
    assert record == {"file": path, "entities": [], "labels": []}


def test_long_text_windows(model_dir, tmp_path):
    words = ["слово", "дело", "мир", "ёж"] * 50
    text = " ".join(words)
    path = write_bytes(tmp_path / "long.txt", text.encode("utf-8"))
    record = run_json(model_dir, tmp_path, path)[0]
    assert [entity["text"] for entity in record["entities"]] == words


def test_invalid_utf8_exit_code(model_dir, tmp_path):
    good = write_bytes(tmp_path / "good.txt", "Иван".encode("utf-8"))
    bad = write_bytes(tmp_path / "bad.txt", "Иван".encode("cp1251"))
    output = tmp_path / "out.jsonl"
    code = main(["predict", "--model", str(model_dir), "--output", str(output), good, bad])
    assert code == 2
    assert not output.exists()


def test_invalid_utf8_names_file(model_dir, tmp_path, caplog):
    bad = write_bytes(tmp_path / "bad.txt", b"ok \xff")
    main(["predict", "--model", str(model_dir), "--output", str(tmp_path / "out.jsonl"), bad])
    assert f"{bad}: invalid UTF-8 at byte 3" in caplog.text


def test_brat_output(model_dir, tmp_path):
    data = TEXT.encode("utf-8")
    path = write_bytes(tmp_path / "001.txt", data)
    out = tmp_path / "brat"
    code = main(["predict", "--model", str(model_dir), "--format", "brat", "--output-dir", str(out), path])
    assert code == 0
    assert (out / "001.txt").read_bytes() == data
    first = (out / "001.ann").read_text(encoding="utf-8").splitlines()[0]
    assert first == "T1\tPERSON 0 4\tИван"


def test_brat_beside_input_keeps_it(model_dir, tmp_path):
    data = TEXT.encode("utf-8")
    path = write_bytes(tmp_path / "001.txt", data)
    before = (tmp_path / "001.txt").stat().st_mtime_ns
    code = main(["predict", "--model", str(model_dir), "--format", "brat", "--output-dir", str(tmp_path), path])
    assert code == 0
    assert (tmp_path / "001.txt").stat().st_mtime_ns == before
    assert (tmp_path / "001.txt").read_bytes() == data
    assert (tmp_path / "001.ann").read_text(encoding="utf-8").startswith("T1\tPERSON 0 4")


def test_brat_invalid_writes_nothing(model_dir, tmp_path):
    good = write_bytes(tmp_path / "good.txt", "Иван".encode("utf-8"))
    bad = write_bytes(tmp_path / "bad.txt", b"\xff")
    out = tmp_path / "brat"
    code = main(["predict", "--model", str(model_dir), "--format", "brat", "--output-dir", str(out), good, bad])
    assert code == 2
    assert not out.exists()


def test_brat_needs_output_dir(model_dir, tmp_path):
    with pytest.raises(SystemExit) as error:
        main(["predict", "--model", str(model_dir), "--format", "brat", "x.txt"])
    assert error.value.code == 2


def test_stdin_module_entry(model_dir):
    result = subprocess.run(
        [sys.executable, "-m", "nerel_mtl", "predict", "--model", str(model_dir), "-"],
        input="Иван в Москве".encode("utf-8"), capture_output=True, check=True,
    )
    record = json.loads(result.stdout.decode("utf-8"))
    assert record["file"] == "-"
    assert [entity["text"] for entity in record["entities"]] == ["Иван", "в", "Москве"]
    assert "words/s" in result.stderr.decode("utf-8")


def test_write_atomic_uses_umask_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.ann", b"T1\tPERSON 0 5\tAnna\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.ann").stat().st_mode) == 0o644
    assert (tmp_path / "out.ann").read_bytes() == b"T1\tPERSON 0 5\tAnna\n"


def test_missing_model_exit_code(tmp_path, caplog):
    text = write_bytes(tmp_path / "a.txt", "Иван".encode("utf-8"))
    code = main(["predict", "--model", str(tmp_path / "nope"), text])
    assert code == 2
    assert "config.json not found; train a model first" in caplog.text


def test_param_error_has_no_traceback():
    script = ("from nerel_mtl.params import ParamError, setup_logging\n"
              "setup_logging()\n"
              "raise ParamError('train.epochs: invalid value 0; expected an integer >= 1')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert "train.epochs: invalid value 0" in result.stderr
    assert "Traceback" not in result.stderr
