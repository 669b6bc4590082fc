"""Catalog columns written as one line of text, so a table reads as its list of columns.

``"run_id str*, version int, finished time?"``: each item is a name and a type: ``str``
(VARCHAR), ``text`` (TEXT), ``int``, ``big`` (BIGINT), ``float`` (DOUBLE), ``bool``, ``time`` (a
timezone-aware timestamp). ``*`` marks the primary key, ``?`` a column that may be NULL; every
other column is NOT NULL. The metadata (``schema.py``) and the migrations both write columns this
way; a migration passes its own ``time`` type, so a migration never changes with the metadata.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Double, Integer, String, Table, Text
from sqlalchemy.types import TypeEngine

TYPES: dict[str, type[TypeEngine[Any]]] = {
    "str": String,
    "text": Text,
    "int": Integer,
    "big": BigInteger,
    "float": Double,
    "bool": Boolean,
}


def columns(spec: str, time: TypeEngine[Any] | None = None) -> list[Column[Any]]:
    """The columns ``spec`` lists, in order (``time`` is the type of its ``time`` columns)."""
    return [_column(*item.split(), time=time) for item in spec.split(",") if item.strip()]


def _column(name: str, kind: str, *, time: TypeEngine[Any] | None) -> Column[Any]:
    base = kind.rstrip("*?")
    sql_type: TypeEngine[Any] | type[TypeEngine[Any]] = (
        (time or DateTime(timezone=True)) if base == "time" else TYPES[base]
    )
    if kind.endswith("*"):
        return Column(name, sql_type, primary_key=True)
    return Column(name, sql_type, nullable=kind.endswith("?"))


def row_of(table: Table, record: Any, **values: Any) -> dict[str, Any]:
    """A row of ``table`` from a dataclass: its fields named like the table's columns, then ``values``."""
    fields = {field.name for field in dataclasses.fields(record)}
    return {column.name: getattr(record, column.name) for column in table.c if column.name in fields} | values
