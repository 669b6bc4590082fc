"""How report pages print values (Jinja2 filters, also used by the peek page): counts, shares,
numbers, p-values and cut cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

SAMPLE_VALUE_CHARS = 200  # a sample cell shows this much of a value; quarantine.parquet has all of it


# --- view models: plain data the template only prints -------------------------------------------


def pick(entry: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The fields the template prints, None where the report lacks one (reports grow over time)."""
    return {name: entry.get(name) for name in fields}


# --- filters -----------------------------------------------------------------------------------


def count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else num(value)


def pct(share: object) -> str:
    if not isinstance(share, int | float):
        return "n/a"
    return "<0.01%" if 0 < share < 0.0001 else f"{share * 100:.2f}%"


def num(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def pvalue(value: object) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "n/a"
    return f"{value:.1e}" if 0 < value < 1e-4 else f"{value:.4f}"


def cell(value: object) -> str:
    """A data value as plain text (the template marks nulls itself), cut after SAMPLE_VALUE_CHARS."""
    text = plain(value)
    if len(text) <= SAMPLE_VALUE_CHARS:
        return text
    return f"{text[:SAMPLE_VALUE_CHARS]}… ({len(text) - SAMPLE_VALUE_CHARS:,} more characters)"


def plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
