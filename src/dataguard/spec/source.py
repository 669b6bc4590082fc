"""What a source file is read as: the reserved column names, the declared types ingest may
convert to, and ``SourceOptions``. Engine-free: importing it loads no reader."""

from __future__ import annotations

from dataclasses import dataclass

ROW_ID = "_row_id"
RESERVED_COLUMNS = (ROW_ID, "_reasons")

_INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
CASTS_THAT_CANNOT_FAIL: dict[str, frozenset[str]] = {
    "DOUBLE": _INTEGERS,  # whole numbers in a float column: 1 -> 1.0
    "FLOAT": _INTEGERS,
    "TIMESTAMP": frozenset({"DATE"}),  # a date is that day's midnight
}
"""Declared type -> the types DuckDB may infer that convert to it for every value. Nothing else is
converted: a cast that can fail ("abc" to DOUBLE, 3000000000 to INTEGER) would refuse the whole
file where the row checks quarantine the one row (``coerce=True``) or name the column's type
(without), and TRY_CAST would hide the value as a null. Naive timestamps are not read as UTC ones."""
NAMED_TYPES = frozenset({*_INTEGERS, "DOUBLE", "FLOAT", "BOOLEAN", "VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMPTZ"})
"""The types a column that is all null takes when declared; no other text is ever written into a CAST."""


@dataclass(frozen=True)
class SourceOptions:
    """How to read a source.

    text_columns: CSV columns read as text whatever they look like, so codes with leading
        zeros and ids longer than any integer type keep their exact characters.
    column_types: (column, DuckDB type) the contract declares, names matched case-insensitively.
        A CSV column declared ``VARCHAR`` is read as text, as ``text_columns``. Any other
        declared type is taken where DuckDB's reading of the whole column converts to it
        without fail (CASTS_THAT_CANNOT_FAIL; a column that is all null, in JSON Lines,
        takes any); elsewhere the column keeps the type DuckDB infers, and its values reach
        the row checks as they are.
    """

    encoding: str = "utf-8"
    csv_delimiter: str = ","
    text_columns: tuple[str, ...] = ()
    column_types: tuple[tuple[str, str], ...] = ()

    def declared_types(self) -> dict[str, str]:
        """Folded column name -> declared DuckDB type; ``text_columns`` are ``VARCHAR``."""
        declared = {name.lower(): kind.upper() for name, kind in self.column_types}
        declared.update((name.lower(), "VARCHAR") for name in self.text_columns)
        return declared
