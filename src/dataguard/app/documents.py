"""The JSON documents ``--json`` prints and the API returns: one encoding, so both have the same shapes.

A result value (a dataclass) becomes an object with its fields in order; a path or a timestamp its text.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any


def jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)  # paths, datetimes


def dumps(document: Any, *, indent: int | None = None) -> str:
    return json.dumps(document, indent=indent, default=jsonable)
