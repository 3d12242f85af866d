"""Brat standoff annotations: reading .txt/.ann pairs and parsing T, R and N lines.

Parsing never drops a line silently. Malformed lines, lines of kinds this project does not
use (A, E, M, #, *) and mentions that differ from the text become a `Problem` with the source
and line number. The rest of the document is kept.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

BOM = "\ufeff"
UNSUPPORTED_PREFIXES = ("A", "E", "M", "#", "*")
FRAGMENT_SEPARATOR = ";"
MENTION_JOINER = " "


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    fragments: tuple[tuple[int, int], ...]
    """Character offsets `(start, stop)`, stop exclusive, in the order of the .ann line,
    which is also the order of their texts in the mention (not always text order)."""
    text: str

    @property
    def start(self) -> int:
        return min(start for start, _ in self.fragments)

    @property
    def stop(self) -> int:
        return max(stop for _, stop in self.fragments)


@dataclass(frozen=True)
class Relation:
    id: str
    type: str
    arg1: str
    arg2: str


@dataclass(frozen=True)
class Link:
    """A normalization (N line): an entity linked to a knowledge-base id."""

    id: str
    type: str
    target: str
    reference: str
    name: str


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.kind}: {self.message}"


@dataclass
class Annotations:
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    line_numbers: dict[str, int] = field(default_factory=dict)
    """.ann line number of each annotation id, for messages."""

    def problem_counts(self) -> Counter:
        return Counter(problem.kind for problem in self.problems)


@dataclass
class Document:
    id: str
    text: str
    annotations: Annotations


class BratError(ValueError):
    """A brat file that cannot be read at all (missing, or not valid UTF-8)."""


def decode_utf8(data: bytes, path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BratError(
            f"{path}: invalid UTF-8 at byte {error.start} ({data[error.start:error.start + 4]!r}); "
            "brat files must be UTF-8: re-encode the file (e.g. iconv -f cp1251 -t utf-8)"
        ) from error


def split_lines(content: str) -> list[str]:
    """Split .ann content into lines without BOM and without CR of CRLF line ends."""
    if content.startswith(BOM):
        content = content[len(BOM):]
    return [line.removesuffix("\r") for line in content.split("\n")]


def parse_fragments(value: str) -> tuple[tuple[int, int], ...]:
    fragments = []
    for part in value.split(FRAGMENT_SEPARATOR):
        start, stop = part.split()
        fragments.append((int(start), int(stop)))
    return tuple(fragments)


def mention_text(text: str, fragments) -> str:
    return MENTION_JOINER.join(text[start:stop] for start, stop in fragments)


def parse_entity(line: str, text: str):
    """Parse a T line; return `(entity, None)` or `(None, (kind, message))`."""
    columns = line.split("\t")
    if len(columns) != 3:
        return None, ("malformed", f"T line has {len(columns)} tab-separated columns, expected 3")
    id, body, mention = columns
    type, _, offsets = body.partition(" ")
    try:
        fragments = parse_fragments(offsets)
    except ValueError:
        return None, ("malformed", f"invalid offsets {offsets!r}, expected 'START STOP[;START STOP]'")
    for start, stop in fragments:
        if not 0 <= start < stop <= len(text):
            return None, (
                "invalid_offsets",
                f"{id} fragment ({start}, {stop}) is empty or outside the text of {len(text)} characters",
            )
    return Entity(id, type, fragments, mention), None


def parse_relation(line: str):
    columns = line.split("\t")
    parts = columns[1].split() if len(columns) >= 2 else []
    if len(parts) != 3 or not parts[1].startswith("Arg1:") or not parts[2].startswith("Arg2:"):
        return None, ("malformed", "R line must read 'ID<TAB>TYPE Arg1:T1 Arg2:T2'")
    type, arg1, arg2 = parts
    return Relation(columns[0], type, arg1.removeprefix("Arg1:"), arg2.removeprefix("Arg2:")), None


def parse_link(line: str):
    columns = line.split("\t")
    parts = columns[1].split() if len(columns) >= 2 else []
    if len(parts) != 3:
        return None, ("malformed", "N line must read 'ID<TAB>Reference T1 DB:ID<TAB>NAME'")
    type, target, reference = parts
    name = columns[2] if len(columns) > 2 else ""
    return Link(columns[0], type, target, reference, name), None


PARSERS = {"R": parse_relation, "N": parse_link}


def parse_annotations(lines, text: str, source: str = "<ann>") -> Annotations:
    """Parse brat lines against `text`; every skipped or suspicious line becomes a `Problem`."""
    annotations = Annotations()

    def report(number: int, kind: str, message: str) -> None:
        problem = Problem(source, number, kind, message)
        annotations.problems.append(problem)
        logger.warning("%s", problem)

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            annotations.blank_lines += 1
            continue
        prefix = line[0]
        if prefix == "T":
            entity, error = parse_entity(line, text)
        elif prefix in PARSERS:
            entity, error = None, None
            item, error = PARSERS[prefix](line)
        elif prefix in UNSUPPORTED_PREFIXES:
            report(number, "unsupported", f"line kind {prefix!r} is not used: {line[:60]!r}")
            continue
        else:
            report(number, "malformed", f"line without a T/R/N id: {line[:60]!r}")
            continue

        if error:
            report(number, error[0], f"{error[1]}: {line[:80]!r}")
            continue
        annotations.line_numbers[line.split("\t", 1)[0]] = number
        if entity is not None:
            found = mention_text(text, entity.fragments)
            if found != entity.text:
                report(number, "mismatch", f"{entity.id} expected {entity.text!r}, text has {found!r}")
            annotations.entities.append(entity)
        elif prefix == "R":
            annotations.relations.append(item)
        else:
            annotations.links.append(item)

    check_references(annotations, report)
    return annotations


def check_references(annotations: Annotations, report) -> None:
    """Drop relations and links whose arguments are not entities of the document."""
    entity_ids = {entity.id for entity in annotations.entities}
    line_of = annotations.line_numbers
    seen = Counter(entity.id for entity in annotations.entities)
    for id, count in seen.items():
        if count > 1:
            report(line_of[id], "duplicate_id", f"entity id {id} is used {count} times")

    relations = []
    for relation in annotations.relations:
        missing = [arg for arg in (relation.arg1, relation.arg2) if arg not in entity_ids]
        if missing:
            report(line_of[relation.id], "unknown_argument", f"relation {relation.id} refers to unknown {', '.join(missing)}")
        else:
            relations.append(relation)
    annotations.relations = relations

    links = []
    for link in annotations.links:
        if link.target not in entity_ids:
            report(line_of[link.id], "unknown_argument", f"link {link.id} refers to unknown {link.target}")
        else:
            links.append(link)
    annotations.links = links


def count_mismatches(lines, text: str) -> int:
    count = 0
    for line in lines:
        if line.startswith("T"):
            entity, error = parse_entity(line, text)
            if error or mention_text(text, entity.fragments) != entity.text:
                count += 1
    return count


def choose_text(text: str, lines, source: str) -> str:
    """Strip a leading BOM from the text only if the offsets then match better.

    Brat counts offsets in characters of the file as decoded, so a BOM that the annotation
    tool saw counts as one character and must stay. NEREL v1.1 has no BOM in any file.
    """
    if not text.startswith(BOM):
        return text
    stripped = text[len(BOM):]
    if count_mismatches(lines, stripped) < count_mismatches(lines, text):
        logger.info("%s: stripped a leading BOM because the offsets count without it", source)
        return stripped
    logger.info("%s: kept a leading BOM because the offsets count it", source)
    return text


def read_document(txt_path, ann_path=None) -> Document:
    """Read a `.txt`/`.ann` pair; the text is kept exactly as stored (CRLF included)."""
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path else txt_path.with_suffix(".ann")
    for path in (txt_path, ann_path):
        if not path.is_file():
            raise BratError(f"{path}: file not found; every .txt needs a matching .ann and back")

    lines = split_lines(decode_utf8(ann_path.read_bytes(), ann_path))
    text = choose_text(decode_utf8(txt_path.read_bytes(), txt_path), lines, str(txt_path))
    annotations = parse_annotations(lines, text, source=str(ann_path))
    return Document(txt_path.stem, text, annotations)


def format_entity(entity: Entity) -> str:
    offsets = FRAGMENT_SEPARATOR.join(f"{start} {stop}" for start, stop in entity.fragments)
    return f"{entity.id}\t{entity.type} {offsets}\t{entity.text}"


def format_relation(relation: Relation) -> str:
    return f"{relation.id}\t{relation.type} Arg1:{relation.arg1} Arg2:{relation.arg2}"


def format_link(link: Link) -> str:
    return f"{link.id}\t{link.type} {link.target} {link.reference}\t{link.name}"
