"""Plain SQL on a project's catalog, for tests that look at its rows directly (either backend)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard import catalog
from dataguard.project import Project


class Query:
    """``execute(sql, [params])`` with ``?`` placeholders, rows as plain tuples."""

    def __init__(self, con: Connection) -> None:
        self.con = con

    def execute(self, query: str, params: Sequence[Any] = ()) -> Rows:
        count = iter(range(len(params)))
        named = re.sub(r"\?", lambda _: f":p{next(count)}", query)
        result = self.con.execute(sa.text(named), {f"p{i}": value for i, value in enumerate(params)})
        if not result.returns_rows:
            return Rows([])
        return Rows([tuple(row) for row in result])


class Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


@contextmanager
def reading(project: Project) -> Iterator[Query]:
    with catalog.reading(project.catalog) as con:
        assert con is not None, "no catalog yet"
        yield Query(con)


@contextmanager
def writing(project: Project) -> Iterator[Query]:
    with catalog.writing(project.catalog) as con:
        yield Query(con)


def catalog_rows(project: Project, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with reading(project) as con:
        return con.execute(query, params).fetchall()


def catalog_state(project: Project) -> dict[str, list[str]] | None:
    """Every row of every catalog table but the writer locks and the schema revision, to show nothing changed."""
    with catalog.reading(project.catalog) as con:
        if con is None:
            return None
        tables = sorted(set(sa.inspect(con).get_table_names()) - {"dataset_locks", "alembic_version"})
        return {t: sorted(map(repr, con.execute(sa.text(f'SELECT * FROM "{t}"')).all())) for t in tables}


def catalog_is_empty(project: Project) -> bool:
    """No catalog yet, or one whose tables hold no row: nothing was recorded."""
    state = catalog_state(project)
    return state is None or all(rows == [] for rows in state.values())
