"""Schema upgrades (Alembic) and moving a dataguard 0.1 DuckDB catalog into the current backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dataguard.catalog import schema
from dataguard.catalog.address import CatalogDB
from dataguard.catalog.db import _revision, engine, forget_checks, mapped_errors, writing
from dataguard.common.sql import quote_ident
from dataguard.errors import BadInput

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(db: CatalogDB, target: str = "head") -> tuple[str | None, str]:
    """Bring the catalog's schema to this dataguard's (creating it when empty); the revisions before and after.

    ``target`` is for tests of the upgrade path: a catalog left at an older revision.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    file = db.file
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    with mapped_errors(db), engine(db, read_only=False).connect() as con, con.begin():
        if con.dialect.name == "postgresql":  # two upgrades at once: the second waits, then finds nothing to do
            con.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x6461746167756172})
        before = _revision(con)
        config.attributes["connection"] = con
        command.upgrade(config, target)
        after = _revision(con)
    forget_checks()
    assert after is not None
    return before, after


def head_of_migrations() -> str:
    """The newest revision among the migration scripts (a test checks it equals ``schema.HEAD``)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, heads
    return str(heads[0])


LEGACY_TABLES = tuple(table for table in schema.metadata.sorted_tables if table.name != "dataset_locks")


def from_duckdb(db: CatalogDB, source: Path) -> dict[str, int]:
    """Copy every row of a DuckDB catalog (dataguard 0.1) into ``db``, in one transaction; rows per table.

    The target must hold no versions yet, so nothing is merged or overwritten.
    """
    import duckdb

    if not source.is_file():
        raise BadInput(f"{source}: no such catalog file")
    try:
        legacy = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as error:
        raise BadInput(f"{source} is not a DuckDB catalog: {error}") from error
    copied: dict[str, int] = {}
    with legacy, writing(db) as con:
        if con.execute(sa.select(sa.func.count()).select_from(schema.versions)).scalar():
            raise BadInput(
                f"the catalog {db.display} already holds versions; migrate into an empty catalog",
                hint="point DATAGUARD_CATALOG_URL at a new database, or remove the new catalog file",
            )
        present = {name for (name,) in legacy.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in LEGACY_TABLES:
            copied[table.name] = _copy_table(legacy, con, table) if table.name in present else 0
    return copied


def _copy_table(legacy: Any, con: sa.Connection, table: sa.Table) -> int:
    found = {row[0] for row in legacy.execute(f"DESCRIBE {quote_ident(table.name)}").fetchall()}
    columns = [column.name for column in table.columns if column.name in found]
    quoted = ", ".join(quote_ident(name) for name in columns)
    rows = legacy.execute(f"SELECT {quoted} FROM {quote_ident(table.name)}").fetchall()
    values = [{name: _value(name, value) for name, value in zip(columns, row, strict=True)} for row in rows]
    if values:
        con.execute(table.insert(), values)
    return len(values)


def _value(name: str, value: Any) -> Any:
    if name == "row_ids" and isinstance(value, list):
        return json.dumps([int(v) for v in value])
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # DuckDB TIMESTAMP without a zone: dataguard wrote UTC
    return value
