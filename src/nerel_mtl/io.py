"""Reading and writing the JSON and JSON Lines files that stages exchange."""

import json
import logging
from pathlib import Path
from typing import Iterable, Iterator

logger = logging.getLogger(__name__)


def read_jsonl(path) -> Iterator[dict]:
    path = Path(path)
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"{path}:{number}: invalid JSON ({error.msg}); "
                    "each line must hold one JSON object"
                ) from error


def write_jsonl(path, records: Iterable[dict]) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    logger.info("wrote %d records to %s", count, path)
    return count


def read_json(path):
    with Path(path).open(encoding="utf-8") as file:
        return json.load(file)


def write_json(path, data) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as file:
        json.dump(data, file, ensure_ascii=False, indent=2, sort_keys=False)
        file.write("\n")
