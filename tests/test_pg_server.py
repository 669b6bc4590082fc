"""The throwaway PostgreSQL server of tests/pg_server.py: real databases, each one empty and separate."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.pg_server import PostgresServer


def test_database_stores_and_sums_rows(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x int)"))
            conn.execute(text("INSERT INTO t (x) VALUES (1), (2), (3)"))
        with engine.connect() as conn:
            total = conn.execute(text("SELECT sum(x) FROM t")).scalar_one()
    finally:
        engine.dispose()
    assert total == 6


def test_new_databases_are_separate(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.new_database(), postgres_server.new_database()
    first_name, second_name = make_url(first).database, make_url(second).database
    assert first_name != second_name

    engines = [create_engine(first), create_engine(second)]
    try:
        with engines[0].begin() as conn:
            conn.execute(text("CREATE TABLE only_in_first (x int)"))
        with engines[1].begin() as conn:
            conn.execute(text("CREATE TABLE only_in_second (y int)"))
        assert inspect(engines[0]).get_table_names() == ["only_in_first"]
        assert inspect(engines[1]).get_table_names() == ["only_in_second"]
        with engines[1].connect() as conn:
            seen = conn.execute(text("SELECT to_regclass('only_in_first') IS NULL")).scalar_one()
        assert seen is True
    finally:
        for engine in engines:
            engine.dispose()
