"""NEREL v1.1: locating the corpus, verifying it, and reading its splits as prepared records.

A prepared record is one document: `id`, `text`, and `entities`, `relations`, `links` as lists
of brat lines. Both sources (a brat folder, or `{split}.jsonl` in the Hugging Face form) go
through the same brat parser, so they give the same records.
"""

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path

from nerel_mtl import SPLITS
from nerel_mtl.brat import (
    BratError,
    Document,
    choose_text,
    format_entity,
    format_link,
    format_relation,
    parse_annotations,
    read_document,
)
from nerel_mtl.io import read_jsonl

logger = logging.getLogger(__name__)

COMMIT = "8f07d3e410f322d5dbf6b68b13fbf4a4aa077fe9"
ARCHIVE_URL = f"https://github.com/nerel-ds/NEREL/archive/{COMMIT}.zip"
# GitHub names the top folder of a commit archive "{repository}-{commit}".
# NOTE: the download was tested only with a local file:// zip of this layout, never against GitHub.
ARCHIVE_SUBDIR = f"NEREL-{COMMIT}/NEREL-v1.1"
MANIFEST = Path(__file__).with_name("nerel_v1.1.sha256")
DEFAULT_CACHE = Path("data/download")
ANNOTATION_SUFFIXES = (".txt", ".ann")
RECORD_FIELDS = {"id": str, "text": str, "entities": list, "relations": list, "links": list}
MAX_LOGGED_PROBLEMS = 50


class DataError(RuntimeError):
    """The corpus cannot be found, downloaded, verified or read."""


def resolve_source(nerel_dir="", url=ARCHIVE_URL, cache_dir=DEFAULT_CACHE, environ=None) -> Path:
    """Return the corpus folder: `nerel_dir`, else $NEREL_DIR, else the downloaded archive."""
    environ = os.environ if environ is None else environ
    for origin, value in (("data.nerel_dir", nerel_dir), ("NEREL_DIR", environ.get("NEREL_DIR", ""))):
        if value:
            path = Path(value)
            if not path.is_dir():
                raise DataError(f"{origin}={value}: folder not found; point it at a NEREL v1.1 folder")
            logger.info("using NEREL from %s (%s)", path, origin)
            return path
    return download_corpus(url, cache_dir)


def download_corpus(url=ARCHIVE_URL, cache_dir=DEFAULT_CACHE) -> Path:
    """Download and extract the pinned NEREL archive into `cache_dir` once; return the v1.1 folder."""
    cache_dir = Path(cache_dir)
    corpus = cache_dir / ARCHIVE_SUBDIR
    if corpus.is_dir():
        logger.info("using cached NEREL from %s", corpus)
        return corpus

    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = cache_dir / f"NEREL-{COMMIT}.zip"
    partial = archive.with_suffix(".part")
    logger.info("downloading %s to %s", url, archive)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as file:
            shutil.copyfileobj(response, file)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"failed to download NEREL from {url} ({error}); provide the data locally: "
            "set NEREL_DIR or data.nerel_dir in params.yaml to a NEREL v1.1 folder "
            "with train/, dev/ and test/, or run with network access"
        ) from error
    partial.replace(archive)

    with zipfile.ZipFile(archive) as zip_file:
        zip_file.extractall(cache_dir)
    if not corpus.is_dir():
        raise DataError(f"{archive}: archive has no folder {ARCHIVE_SUBDIR}; delete it and check the URL")
    return corpus


def read_manifest(path=MANIFEST) -> dict[str, str]:
    """Read `sha256  relative/path` lines (the `sha256sum` format)."""
    digests = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise DataError(f"{path}:{number}: invalid manifest line {line!r}; expected 'SHA256  PATH'")
        digests[name] = digest
    return digests


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify_corpus(root, manifest=MANIFEST) -> dict:
    """Check every file of the manifest under `root`, and look for unexpected files.

    A missing or changed file raises `DataError`. An unexpected .txt or .ann in a split
    folder also raises, because it would enter the data. Any other unexpected file
    (a README, editor files) is counted and logged, because it cannot change the data.
    """
    root = Path(root)
    expected = read_manifest(manifest)
    for name, digest in expected.items():
        path = root / name
        if not path.is_file():
            raise DataError(f"{path}: file of the NEREL v1.1 manifest not found; the copy is incomplete")
        if sha256_file(path) != digest:
            raise DataError(
                f"{path}: SHA-256 differs from the NEREL v1.1 manifest; restore the original "
                "file, or set data.verify: false for a modified corpus"
            )

    unexpected = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name not in expected:
            if path.suffix in ANNOTATION_SUFFIXES and path.parent.name in SPLITS:
                raise DataError(f"{path}: not part of NEREL v1.1; remove it or set data.verify: false")
            unexpected.append(name)
    if unexpected:
        logger.warning("ignored %d files outside the manifest: %s", len(unexpected), unexpected[:10])
    logger.info("verified %d files against %s", len(expected), Path(manifest).name)
    return {"verified_files": len(expected), "ignored_files": len(unexpected)}


def document_record(document: Document) -> dict:
    annotations = document.annotations
    return {
        "id": document.id,
        "text": document.text,
        "entities": [format_entity(entity) for entity in annotations.entities],
        "relations": [format_relation(relation) for relation in annotations.relations],
        "links": [format_link(link) for link in annotations.links],
    }


def read_brat_split(root, split: str) -> tuple[list[dict], list]:
    """Read `root/split/*.txt` with their .ann files; return records sorted by id and problems."""
    folder = Path(root) / split
    if not folder.is_dir():
        raise DataError(f"{folder}: split folder not found; a brat corpus needs train/, dev/ and test/")
    texts = {path.stem for path in folder.glob("*.txt")}
    anns = {path.stem for path in folder.glob("*.ann")}
    unpaired = sorted(texts ^ anns)
    if unpaired:
        raise DataError(f"{folder}: documents without a .txt/.ann pair: {unpaired[:10]}")

    records, problems = [], []
    for stem in sorted(texts):
        document = read_document(folder / f"{stem}.txt")
        records.append(document_record(document))
        problems.extend(document.annotations.problems)
    return records, problems


def validate_record(record, path, number: int) -> None:
    where = f"{path}:{number}"
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, found {type(record).__name__}")
    for name, kind in RECORD_FIELDS.items():
        if name not in record:
            raise DataError(f"{where}: missing field {name!r}; required: {', '.join(RECORD_FIELDS)}")
        if not isinstance(record[name], kind):
            raise DataError(
                f"{where}: field {name!r} is {type(record[name]).__name__}, expected {kind.__name__}"
            )
    for name in ("entities", "relations", "links"):
        for index, item in enumerate(record[name]):
            if not isinstance(item, str):
                raise DataError(f"{where}: {name}[{index}] is {item!r}, expected a brat line string")


def read_jsonl_split(root, split: str) -> tuple[list[dict], list]:
    """Read `root/{split}.jsonl` (Hugging Face form of NEREL); return records sorted by id and problems."""
    path = Path(root) / f"{split}.jsonl"
    if not path.is_file():
        raise DataError(f"{path}: file not found; data.format jsonl needs train/dev/test .jsonl files")

    records, problems, seen = [], [], {}
    for number, record in enumerate(read_jsonl(path), start=1):
        validate_record(record, path, number)
        if record["id"] in seen:
            raise DataError(f"{path}:{number}: duplicate id {record['id']!r} (first at line {seen[record['id']]})")
        seen[record["id"]] = number

        lines = record["entities"] + record["relations"] + record["links"]
        source = f"{path}:{number} (id {record['id']})"
        text = choose_text(record["text"], lines, source)
        annotations = parse_annotations(lines, text, source=source)
        records.append(document_record(Document(record["id"], text, annotations)))
        problems.extend(annotations.problems)
    return sorted(records, key=lambda record: record["id"]), problems


READERS = {"brat": read_brat_split, "jsonl": read_jsonl_split}


def read_corpus(root, format="brat", max_docs=0) -> tuple[dict[str, list[dict]], dict]:
    """Read all splits; return `{split: records}` and a report of counts and problems per split."""
    splits, report = {}, {}
    for split in SPLITS:
        try:
            records, problems = READERS[format](root, split)
        except BratError as error:
            raise DataError(str(error)) from error
        total = len(records)
        left_out = 0
        if max_docs > 0 and total > max_docs:
            records = records[:max_docs]
            logger.info("%s: kept the first %d of %d documents (data.max_docs)", split, max_docs, total)
            kept_ids = {record["id"] for record in records}
            kept_problems = [problem for problem in problems if _problem_id(problem) in kept_ids]
            left_out = len(problems) - len(kept_problems)
            problems = kept_problems
        splits[split] = records
        report[split] = split_report(records, total, problems)
        if left_out:
            logger.info("%s: %d documents, %d problems (%d more, logged above, in documents left out "
                        "by data.max_docs)", split, len(records), len(problems), left_out)
        else:
            logger.info("%s: %d documents, %d problems", split, len(records), len(problems))
    return splits, report


def _problem_id(problem) -> str:
    """Document id of a problem: the file stem for brat, the `(id ...)` part for JSONL."""
    if "(id " in problem.source:
        return problem.source.rsplit("(id ", 1)[1].rstrip(")")
    return Path(problem.source).stem


def split_report(records, total: int, problems) -> dict:
    return {
        "documents": len(records),
        "documents_available": total,
        "entities": sum(len(record["entities"]) for record in records),
        "relations": sum(len(record["relations"]) for record in records),
        "links": sum(len(record["links"]) for record in records),
        "problems": dict(sorted(Counter(problem.kind for problem in problems).items())),
        "problem_examples": [str(problem) for problem in problems[:MAX_LOGGED_PROBLEMS]],
    }
