"""The contract's slice SQL, checked before any of it runs: exactly one expression over the version's
columns (no subquery, table or second statement), and the locked DuckDB connection it runs on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from dataguard.errors import ContractError, did_you_mean
from dataguard.spec.slices import (
    MODEL_METRICS,
    WHERE_HINT,
    SliceTest,
)
from dataguard.spec.source import ROW_ID

# -- checking the contract's SQL -------------------------------------------------------


def validate_slices(slices: Sequence[SliceTest], columns: Sequence[str]) -> None:
    """Contract-time check: unique names, and SQL that is one expression over known columns."""
    seen: set[str] = set()
    with _parser() as con:
        for test in slices:
            if not isinstance(test, SliceTest):
                raise ContractError(f"Contract.slices must hold dataguard SliceTest values, got {type(test).__name__}")
            if test.name in seen:
                raise ContractError(f"slice {test.name!r} is declared twice; slice names must be unique")
            seen.add(test.name)
            _check_columns(test, columns)
            for role, text in _sql_of(test):
                check_expression(con, text, columns, f"slice {test.name!r}: `{role}`")


def _sql_of(test: SliceTest) -> Iterator[tuple[str, str]]:
    yield "where", test.where
    if test.metric == "rate" and test.expression is not None:
        yield "expression", test.expression
    if test.metric in MODEL_METRICS and test.label is not None:
        yield "label", test.label


def _check_columns(test: SliceTest, columns: Sequence[str]) -> None:
    known = {c.lower() for c in columns}
    if test.metric in ("null_rate", "mean") and str(test.column).lower() not in known:
        raise ContractError(
            f"slice {test.name!r}: column {test.column!r} is not in the version",
            hint=did_you_mean(str(test.column), columns, otherwise=f"columns: {', '.join(columns)}"),
        )


@contextmanager
def _parser() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that only parses: locked, like the one that runs the SQL. One per thread, kept: a new
    DuckDB database costs about 11 ms, and every run checks its contract's SQL."""
    con: duckdb.DuckDBPyConnection | None = getattr(_PARSERS, "con", None)
    if con is None:
        con = _PARSERS.con = duckdb.connect()
        lock(con)
    yield con


_PARSERS = threading.local()


def check_expression(con: duckdb.DuckDBPyConnection, text: str, columns: Sequence[str], where: str) -> None:
    """Refuse SQL that is not exactly one expression on ``columns``, before any of it runs."""
    if not isinstance(text, str) or not text.strip():
        raise ContractError(f"{where} is empty", hint=WHERE_HINT)
    query = f"SELECT {splice(text)}"
    with suppress(duckdb.Error):  # a syntax error: the parser's own message follows
        if len(con.extract_statements(query)) > 1:
            raise ContractError(f"{where} {text!r} holds more than one SQL statement (a `;`)", hint=WHERE_HINT)
    row = con.execute("SELECT json_serialize_sql($q)", {"q": query}).fetchone()
    assert row is not None
    parsed = json.loads(row[0])
    if parsed.get("error"):
        raise ContractError(f"{where} {text!r} is not valid SQL: {parsed.get('error_message')}", hint=WHERE_HINT)
    problem = _shape_problem(parsed["statements"]) or _content_problem(parsed["statements"], columns)
    if problem:
        raise ContractError(f"{where} {text!r} {problem}", hint=WHERE_HINT)


def splice(text: str) -> str:
    """User SQL in parentheses on lines of its own, so a trailing ``--`` comment cannot swallow the rest."""
    return f"(\n{text}\n)"


def _shape_problem(statements: list[dict[str, Any]]) -> str | None:
    """Anything beyond ``SELECT (<one expression>)`` means the text broke out of its parentheses."""
    node = statements[0]["node"] if len(statements) == 1 else {}
    empty = (
        node.get("type") == "SELECT_NODE"
        and len(node.get("select_list", ())) == 1
        and not node["select_list"][0].get("alias")
        and node["select_list"][0].get("function_name") != "row"  # "a, b" in parentheses: a row of two
        and node.get("from_table", {}).get("type") == "EMPTY"
        and not any(node.get(k) for k in ("where_clause", "having", "qualify", "sample", "group_expressions"))
        and not node.get("modifiers")
        and not node.get("cte_map", {}).get("map")
    )
    return None if empty else "is not a single SQL expression (a list, a second statement or a clause)"


_FORBIDDEN = {"SUBQUERY": "a subquery", "TABLE_FUNCTION": "a table function", "BASE_TABLE": "a table"}


def _content_problem(statements: list[dict[str, Any]], columns: Sequence[str]) -> str | None:
    nodes = list(_nodes(statements[0]["node"]["select_list"]))
    for node in nodes:
        kind = _FORBIDDEN.get(node.get("class", "")) or _FORBIDDEN.get(node.get("type", ""))
        if kind:
            return f"uses {kind}: a slice may only use the version's own columns, row by row"
    params = {ref for n in nodes if n.get("class") == "LAMBDA" for ref in _column_refs(n["lhs"])}
    known = {c.lower() for c in (*columns, ROW_ID)} | params
    for ref in sorted({ref for n in nodes if n.get("class") == "COLUMN_REF" for ref in _column_refs(n)}):
        if ref not in known:
            close = did_you_mean(ref, columns)
            return f"refers to column {ref!r}, which is not in the version{f'; {close}' if close else ''}"
    return None


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)


def _column_refs(node: dict[str, Any]) -> Iterator[str]:
    """The column each reference starts from (``s.f`` is field f of column s)."""
    for n in _nodes(node):
        if n.get("class") == "COLUMN_REF":
            yield str(n["column_names"][0]).lower()


# -- the sandbox -------------------------------------------------------------------------


def lock(con: duckdb.DuckDBPyConnection) -> None:
    """From here on the connection can read nothing outside itself and change no setting."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
