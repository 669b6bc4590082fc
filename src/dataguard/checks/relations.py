"""Checks across datasets, over the whole version in DuckDB: references, leaks and repeated rows.

A relation is resolved once per run (``resolve_relations``): the other
dataset's newest version whose gate is open (or the pinned one) is opened
as training would open it, proven against its fingerprints, and its clean rows
become a DuckDB table expression. The checks then run out of core like the
other set checks and write their failures to the run's failure table:

- ``foreign_key``: a key with no null whose value is not among the other's keys;
- ``leak``: a key (or whole normalised row) that the other dataset also has,
  naming the other's first such ``_row_id``;
- ``duplicate``: a key (or whole normalised row) an earlier row of the same
  version already has, naming that row's ``_row_id``; the first stays clean.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from dataguard.checks.failures import FAILURE_SCHEMA
from dataguard.common.integrity import value_fingerprint
from dataguard.common.rows import version_relation
from dataguard.common.sql import engine, quote_ident, quote_path
from dataguard.errors import BadInput, ContractError, GateClosed, StructuralFailure
from dataguard.spec.relations import Disjoint, Duplicates, References, Relation
from dataguard.spec.source import ROW_ID

if TYPE_CHECKING:
    import duckdb

    from dataguard.checks.load import LoadedContract
    from dataguard.project import Project

RID = quote_ident(ROW_ID)


@dataclass(frozen=True)
class OtherRows:
    """The clean rows of another dataset's version, as training would read them."""

    dataset: str
    version: int
    revision: int
    relation: str  # a DuckDB table expression: ``_row_id`` then the data columns

    @property
    def label(self) -> str:
        return f"{self.dataset} v{self.version}" + (f" (revision {self.revision})" if self.revision else "")


@dataclass(frozen=True)
class RelationCheck:
    """One relation of the contract, with the other version it is checked against (None for duplicates)."""

    spec: Relation
    other: OtherRows | None
    near: bool = False  # the check of nearly the same text (``spec.near``), not of equal keys or rows

    @property
    def kind(self) -> str:
        return {References: "references", Disjoint: "disjoint", Duplicates: "duplicates"}[type(self.spec)]

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def columns(self) -> tuple[str, ...]:
        """This version's columns the check compares (empty: the whole row)."""
        if isinstance(self.spec, References):
            return tuple(self.spec.columns)
        return tuple(self.spec.near.columns) if self.near else tuple(self.spec.on or ())

    @property
    def column(self) -> str | None:
        return ", ".join(self.columns) or None

    @property
    def check(self) -> str:
        """The check's name, naming the other version it used."""
        what = self.column or "row"
        if self.near and not isinstance(self.spec, References):
            what = f"near {what} >= {self.spec.near.threshold:g}"
        if isinstance(self.spec, References):
            assert self.other is not None
            return f"references({self.other.label}: {what} -> {', '.join(self.spec.to or ())})"
        if self.other is not None:
            return f"leak({self.other.label}: {what})"
        return f"duplicate({what})"

    @property
    def fingerprint(self) -> str:
        return spec_fingerprint(self.spec, self.near)


def spec_fingerprint(spec: object, near: bool = False) -> str:
    """The sha256 of a relation's definition (not of the version it resolved to); ``near``: its text check."""
    return value_fingerprint({"kind": type(spec).__name__, "near_check": near, **_plain(spec)})


def _plain(spec: Any) -> dict[str, Any]:
    values = asdict(spec)
    if getattr(spec, "near", None) is not None:
        values["near"] = {"kind": type(spec.near).__name__, **asdict(spec.near)}
    return values


def relations_of(loaded: LoadedContract) -> tuple[Relation, ...]:
    contract = loaded.contract
    dup = (contract.duplicates,) if contract.duplicates is not None else ()
    return (*contract.references, *contract.disjoint_from, *dup)


def resolve_relations(project: Project, loaded: LoadedContract) -> tuple[RelationCheck, ...]:
    """Each relation of the contract with the other dataset's clean rows it is checked against; a relation
    with ``near`` is two checks, equal keys (or rows) and nearly the same text."""
    checks: list[RelationCheck] = []
    for spec in relations_of(loaded):
        other = _other_rows(project, loaded, spec)
        checks.append(RelationCheck(spec, other))
        if not isinstance(spec, References) and spec.near is not None:
            checks.append(RelationCheck(spec, other, near=True))
    return tuple(checks)


def _other_rows(project: Project, loaded: LoadedContract, spec: Relation) -> OtherRows | None:
    if isinstance(spec, Duplicates):
        return None
    from dataguard.gate.validated import open_validated

    kind = "references" if isinstance(spec, References) else "disjoint_from"
    try:
        opened = open_validated(
            spec.dataset, spec.version, project, materialize=False, opened_by=f"{kind} of {loaded.dataset}"
        )
    except (BadInput, GateClosed) as closed:
        pinned = f" v{spec.version}" if spec.version else ""
        why = "; ".join(closed.reasons) if isinstance(closed, GateClosed) else closed.message
        reason = f"{kind} {spec.dataset}{pinned}: no version with an open gate to check against ({why})"
        raise StructuralFailure(
            f"{loaded.dataset}: {reason}",
            reasons=[reason],
            hint=f"validate {spec.dataset} first (dataguard validate {spec.dataset} FILE), then run again",
        ) from closed
    relation = opened.rows.relation() if opened.rows is not None else f"read_parquet({quote_path(opened.clean_path)})"
    return OtherRows(opened.dataset, opened.version, opened.revision, relation)


# -- failures ---------------------------------------------------------------------------------------


def write_relation_failures(data_path: Path, check: RelationCheck, writer: pq.ParquetWriter, scratch: Path) -> None:
    """The failure rows of one relation over the whole version, streamed into ``writer``."""
    pairs = scratch / f"near-{check.fingerprint[7:23]}.parquet"  # the near-duplicate pairs, while they are read
    try:
        with engine(scratch) as con:  # a memory ceiling: joins and groupings spill
            if check.near:
                query, params = _near_query(con, data_path, check, pairs)
            else:
                query, params = _failure_query(con, data_path, check)
            reader = con.sql(query, params=params).to_arrow_reader(100_000)
            for batch in reader:
                writer.write_batch(batch.cast(FAILURE_SCHEMA))
    finally:
        pairs.unlink(missing_ok=True)


def _prefix(check: RelationCheck) -> str:
    """How a failing row's value names the row it repeats: the other version's, or this version's."""
    return f"{check.other.label} {ROW_ID} " if check.other is not None else f"{ROW_ID} "


def _failure_query(con: duckdb.DuckDBPyConnection, data_path: Path, check: RelationCheck) -> tuple[str, dict[str, Any]]:
    data = version_relation(data_path)
    params = {"code": check.code, "column": check.column, "check": check.check}
    if isinstance(check.spec, References):
        assert check.other is not None
        return _missing_keys(con, data, check.spec, check.other), params
    here = _types(con, data)
    there = _types(con, check.other.relation) if check.other else here
    compared = _compared_columns(check, here, there)
    params["prefix"] = _prefix(check)
    if check.other is not None:
        return _shared_rows(data, check.other, compared, here, there, bool(check.columns)), params
    return _repeated_rows(data, compared, here, bool(check.columns)), params


def _near_query(
    con: duckdb.DuckDBPyConnection, data_path: Path, check: RelationCheck, pairs: Path
) -> tuple[str, dict[str, Any]]:
    """Rows whose text is nearly that of a row of the other dataset (or of an earlier row), naming it."""
    from dataguard.checks.near import near_duplicate_pairs

    assert not isinstance(check.spec, References)
    assert check.spec.near is not None
    other = check.other.relation if check.other is not None else None
    near_duplicate_pairs(con, version_relation(data_path), other, check.spec.near, pairs)
    params = {"code": check.code, "column": check.column, "check": check.check, "prefix": _prefix(check)}
    params["pairs"] = str(pairs)
    query = f"""SELECT left_row_id AS {RID}, $code AS code, $column AS "column", $check AS "check",
                       $prefix || CAST(right_row_id AS VARCHAR) || ' (jaccard ' || printf('%.3f', jaccard) || ')'
                           AS value
                FROM read_parquet($pairs) ORDER BY left_row_id"""
    return query, params


def _types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    described = con.sql(f"SELECT * EXCLUDE ({RID}) FROM {relation} LIMIT 0")
    return {name: str(kind) for name, kind in zip(described.columns, described.types, strict=True)}


def _compared_columns(check: RelationCheck, here: dict[str, str], there: dict[str, str]) -> list[str]:
    """The key's columns, or for a whole row every column both sides have (in this version's order)."""
    if check.columns:
        missing = [c for c in check.columns if c not in there]
        if missing:
            raise _missing_columns(check, missing, there)
        return list(check.columns)
    shared = [c for c in here if c in there]
    if not shared:
        raise _missing_columns(check, list(here), there)
    return shared


def _missing_columns(check: RelationCheck, missing: list[str], there: dict[str, str]) -> ContractError:
    where = check.other.label if check.other else "the version"
    return ContractError(
        f"{check.check}: {where} has no column {', '.join(map(repr, missing))}",
        hint=f"its columns: {', '.join(there)}",
    )


def _missing_keys(con: duckdb.DuckDBPyConnection, data: str, spec: References, other: OtherRows) -> str:
    there = _types(con, other.relation)
    to = tuple(spec.to or ())
    absent = [c for c in to if c not in there]
    if absent:
        raise ContractError(
            f"References to {other.label}: it has no column {', '.join(map(repr, absent))}",
            hint=f"its columns: {', '.join(there)}",
        )
    keys = ", ".join(f"{quote_ident(t)} AS k{i}" for i, t in enumerate(to))
    columns = tuple(spec.columns)
    matched = " AND ".join(f"v.{quote_ident(c)} = k.k{i}" for i, c in enumerate(columns))
    present = " AND ".join(f"v.{quote_ident(c)} IS NOT NULL" for c in columns)
    return f"""
        SELECT v.{RID}, $code AS code, $column AS "column", $check AS "check", {_key_text(columns, "v")} AS value
        FROM {data} AS v
        WHERE {present}
          AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT {keys} FROM {other.relation}) AS k WHERE {matched})
        ORDER BY v.{RID}"""


def _key_text(columns: Sequence[str], alias: str) -> str:
    return " || ', ' || ".join(f"coalesce(CAST({alias}.{quote_ident(c)} AS VARCHAR), 'null')" for c in columns)


NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)


def _normalised(column: str, here: str, there: str) -> str:
    """A column's value as two datasets are compared on it: text trimmed, lower-cased, runs of white space one
    space; numbers as numbers whatever their width; anything else as itself, or as text where the types differ."""
    name = quote_ident(column)
    if here == "VARCHAR" or there == "VARCHAR":
        text = f"CAST({name} AS VARCHAR)" if here != "VARCHAR" else name
        return f"lower(trim(regexp_replace({text}, '\\s+', ' ', 'g')))"
    if _numeric(here) and _numeric(there):
        return f"CAST({name} AS DOUBLE)"
    return name if here == there else f"CAST({name} AS VARCHAR)"


def _numeric(kind: str) -> bool:
    return kind.split("(", 1)[0] in NUMERIC_TYPES


def _keyed(relation: str, columns: list[str], types_here: dict[str, str], types_there: dict[str, str]) -> str:
    """``relation`` as ``_row_id`` and the compared values k0, k1, ..."""
    values = ", ".join(f"{_normalised(c, types_here[c], types_there[c])} AS k{i}" for i, c in enumerate(columns))
    return f"(SELECT {RID}, {values} FROM {relation})"


def _no_null_key(columns: list[str], alias: str, by_key: bool) -> str:
    """A key with a null is not compared; a whole row compares its nulls as equal."""
    return " AND ".join(f"{alias}.k{i} IS NOT NULL" for i in range(len(columns))) if by_key else "TRUE"


def _same(columns: list[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.k{i} IS NOT DISTINCT FROM {right}.k{i}" for i in range(len(columns)))


def _shared_rows(
    data: str, other: OtherRows, columns: list[str], here: dict[str, str], there: dict[str, str], by_key: bool
) -> str:
    """Rows of this version whose key (or row) the other dataset also has, with the other's first ``_row_id``."""
    ks = ", ".join(f"k{i}" for i in range(len(columns)))
    return f"""
        WITH v AS (SELECT * FROM {_keyed(data, columns, here, there)} AS v WHERE {_no_null_key(columns, "v", by_key)}),
             o AS (SELECT {ks}, min({RID}) AS other_id
                   FROM {_keyed(other.relation, columns, there, here)} AS o
                   WHERE {_no_null_key(columns, "o", by_key)} GROUP BY ALL)
        SELECT v.{RID}, $code AS code, $column AS "column", $check AS "check",
               $prefix || CAST(o.other_id AS VARCHAR) AS value
        FROM v JOIN o ON {_same(columns, "v", "o")}
        ORDER BY v.{RID}"""


def _repeated_rows(data: str, columns: list[str], here: dict[str, str], by_key: bool) -> str:
    """Rows whose key (or row) an earlier row of the version has, with that first row's ``_row_id``.

    As the set checks do, the rows are grouped by the 64-bit hash of their values
    first (which spills within DuckDB's memory ceiling); only rows whose hash
    repeats are then grouped by the values themselves, which also drops collisions.
    """
    ks = ", ".join(f"k{i}" for i in range(len(columns)))
    return f"""
        WITH v AS (SELECT *, hash({ks}) AS h FROM {_keyed(data, columns, here, here)} AS v
                   WHERE {_no_null_key(columns, "v", by_key)}),
             repeated AS (SELECT h FROM v GROUP BY h HAVING count(*) > 1),
             suspects AS (SELECT * FROM v WHERE h IN (SELECT h FROM repeated)),
             firsts AS (SELECT {ks}, min({RID}) AS first_id FROM suspects GROUP BY {ks} HAVING count(*) > 1)
        SELECT s.{RID}, $code AS code, $column AS "column", $check AS "check",
               $prefix || CAST(f.first_id AS VARCHAR) AS value
        FROM suspects AS s JOIN firsts AS f ON {_same(columns, "s", "f")}
        WHERE s.{RID} > f.first_id
        ORDER BY s.{RID}"""


def describe(checks: Sequence[RelationCheck]) -> Iterator[dict[str, Any]]:
    """What report.json says of each relation: its kind, name, and the other version it used."""
    for check in checks:
        other = check.other
        yield {
            "kind": check.kind,
            "check": check.check,
            "code": check.code,
            "column": check.column,
            "dataset": other.dataset if other else None,
            "version": other.version if other else None,
            "revision": other.revision if other else None,
            "fingerprint": check.fingerprint,
        }
