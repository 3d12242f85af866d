"""Loading `params.yaml` sections and validating their values at stage start."""

import logging
import sys
from pathlib import Path

import yaml

DEFAULT_PATH = "params.yaml"


class ParamError(ValueError):
    """An invalid value in params.yaml, reported with its dotted key."""


def load_params(path=DEFAULT_PATH) -> dict:
    with Path(path).open(encoding="utf-8") as file:
        return yaml.safe_load(file) or {}


def section(params: dict, name: str) -> dict:
    if name not in params:
        raise ParamError(f"params.yaml has no section '{name}'; add it (see the README)")
    return params[name] or {}


def require_choice(params: dict, key: str, choices) -> str:
    value = _get(params, key)
    if value not in choices:
        accepted = ", ".join(repr(choice) for choice in choices)
        raise ParamError(f"{key}: invalid value {value!r}; accepted values: {accepted}")
    return value


def require_positive(params: dict, key: str, allow_zero=False, integer=False):
    value = _get(params, key)
    kinds = int if integer else (int, float)
    valid = isinstance(value, kinds) and not isinstance(value, bool)
    if not valid or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        kind = "an integer" if integer else "a number"
        raise ParamError(f"{key}: invalid value {value!r}; expected {kind} {bound}")
    return value


def _get(params: dict, key: str):
    node = params
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ParamError(f"{key}: missing in params.yaml")
        node = node[part]
    return node


def setup_logging(level=logging.INFO) -> None:
    """Configure logging, and report an uncaught ParamError as one log line without a traceback."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.excepthook = report_uncaught


def report_uncaught(kind, error, traceback) -> None:
    # A ParamError names the key, the value and the fix, so a traceback would only bury it.
    if issubclass(kind, ParamError):
        logging.getLogger("params").error("%s", error)
    else:
        sys.__excepthook__(kind, error, traceback)
