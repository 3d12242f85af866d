"""Entity extraction from predicted tags, and the JSON Lines and brat writers of `nerel-mtl predict`.

Offsets are character indices into the text exactly as decoded from the file's bytes (UTF-8,
no newline translation, so "\\r\\n" counts as two characters), which is how brat reads them.
"""

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from nerel_mtl.bio import tags_to_spans
from nerel_mtl.words import tokenize_words

logger = logging.getLogger(__name__)

STDIN = "-"
LINE_BREAKS = "\r\n"


class InputError(ValueError):
    """An input file that cannot be read as UTF-8 text."""


def read_inputs(paths) -> list[tuple[str, bytes, str]]:
    """Read and decode every input before any output is written; return (name, bytes, text).

    Raises InputError naming the file for a missing file or invalid UTF-8.
    """
    inputs = []
    for path in paths:
        if path == STDIN:
            name, data = STDIN, sys.stdin.buffer.read()
        else:
            name = path
            try:
                data = Path(path).read_bytes()
            except OSError as error:
                raise InputError(f"{path}: cannot read the file ({error.strerror})") from error
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{name}: invalid UTF-8 at byte {error.start} ({data[error.start:error.start + 4]!r}); "
                "convert the file to UTF-8, e.g. `iconv -f cp1251 -t utf-8`"
            ) from error
        inputs.append((name, data, text))
    return inputs


def entities_from_tags(text: str, words, tags) -> list[dict]:
    """Turn per-word BIO tags into entities with character offsets into `text`.

    Decoding is lenient: an `I-` tag that continues no entity starts one.
    """
    entities = []
    for type, start, stop in tags_to_spans(tags):
        begin, end = words[start][0], words[stop - 1][1]
        entities.append({"type": type, "start": begin, "end": end, "text": text[begin:end]})
    return entities


def document_record(name: str, text: str, prediction: dict, labels, all_scores=False) -> dict:
    """Build the JSON line of one input from a `Predictor.predict` result."""
    scores = dict(zip(labels, prediction["cls_scores"]))
    record = {
        "file": name,
        "entities": entities_from_tags(text, prediction["words"], prediction["tags"]),
        "labels": [
            {"label": label, "score": round(scores[label], 4)} for label in prediction["cls_labels"]
        ],
    }
    if all_scores:
        record["scores"] = {label: round(score, 4) for label, score in scores.items()}
    return record


def empty_record(name: str, all_scores=False) -> dict:
    """Build the JSON line of an input without words; the model is not run on it."""
    record = {"file": name, "entities": [], "labels": []}
    if all_scores:
        # NOTE: no scores exist for a text without words, so the mapping stays empty.
        record["scores"] = {}
    return record


def brat_annotation(entities) -> str:
    """Render entities as brat text-bound annotations ("T1\\tTYPE 0 5\\tИванов").

    brat forbids line breaks inside an annotation, so an entity that spans one is written
    as several fragments ("0 5;6 12") and its text field joins them with spaces.
    """
    lines = []
    for number, entity in enumerate(entities, start=1):
        fragments = _fragments(entity["text"], entity["start"])
        offsets = ";".join(f"{start} {stop}" for start, stop, _ in fragments)
        text = " ".join(fragment for _, _, fragment in fragments)
        lines.append(f"T{number}\t{entity['type']} {offsets}\t{text}\n")
    return "".join(lines)


def _fragments(text: str, offset: int) -> list[tuple[int, int, str]]:
    fragments = []
    start = None
    for index, char in enumerate(text + "\n"):
        if char in LINE_BREAKS:
            if start is not None:
                fragments.append((offset + start, offset + index, text[start:index]))
                start = None
        elif start is None:
            start = index
    return fragments


def brat_names(inputs) -> list[str]:
    """Return the output stem per input; raise InputError when two inputs share a stem."""
    names = ["stdin" if name == STDIN else Path(name).stem for name, _, _ in inputs]
    seen = {}
    for (path, _, _), name in zip(inputs, names):
        if name in seen:
            raise InputError(f"{seen[name]} and {path} both map to {name}.ann; rename one of them")
        seen[name] = path
    return names


def write_atomic(path, data: bytes) -> None:
    """Write `data` to a temporary file next to `path`, then rename it, so a failure leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        # mkstemp creates the file as 0600; give it the mode a plain open() would.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def predict_inputs(predictor, inputs, all_scores=False, batch_words=None) -> list[dict]:
    """Run the model on every decoded input; log the throughput in words per second."""
    records = []
    words_total = 0
    started = time.perf_counter()
    for name, _, text in tqdm(inputs, desc="predict", unit="file", disable=len(inputs) < 2, file=sys.stderr):
        words = tokenize_words(text)
        if not words:
            records.append(empty_record(name, all_scores))
            continue
        options = {} if batch_words is None else {"batch_words": batch_words}
        prediction = predictor.predict([{"text": text, "words": words}], **options)[0]
        words_total += len(words)
        records.append(document_record(name, text, prediction, predictor.cls_labels, all_scores))
    seconds = time.perf_counter() - started
    rate = words_total / seconds if seconds > 0 else 0.0
    logger.info("predicted %d files, %d words in %.2f s (%.0f words/s)", len(inputs), words_total, seconds, rate)
    return records


def json_lines(records) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


def write_brat(records, inputs, output_dir) -> None:
    """Write NAME.ann and a byte-exact copy NAME.txt per input into `output_dir`.

    An input that already is `output_dir`/NAME.txt is left untouched.
    """
    for record, name, (source, data, _) in zip(records, brat_names(inputs), inputs):
        text_path = Path(output_dir) / f"{name}.txt"
        if source == STDIN or not same_file(Path(source), text_path):
            write_atomic(text_path, data)
        write_atomic(Path(output_dir) / f"{name}.ann", brat_annotation(record["entities"]).encode("utf-8"))


def same_file(first: Path, second: Path) -> bool:
    return second.exists() and first.resolve() == second.resolve()
