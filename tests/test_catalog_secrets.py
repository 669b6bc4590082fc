"""Secrets stay secret: the catalog URL's password and PREFECT_API_KEY appear in no output, file or catalog row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.conftest import FEB, JAN
from tests.pg_server import PostgresServer

API_KEY = "pnu_secret-api-key-0123456789"
RELEASE = ("--code", "str_matches", "--note", "fine", "--json")


def dataguard(project: Project, *args: str | Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAGUARD_CATALOG_URL": url, "PREFECT_API_KEY": API_KEY}
    command = [sys.executable, "-m", "dataguard", *map(str, args), "--project", str(project.root)]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def test_no_output_file_or_row_of_a_run_holds_the_password(
    flights_project: Project, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.new_database()
    password = postgres_server.password
    assert password in url
    wrong = url.replace(password, password + "-wrong")
    done = [
        dataguard(flights_project, "validate", "flights", JAN, FEB, "--json", url=url),
        dataguard(flights_project, "gate", "flights", "--json", url=url),
        dataguard(flights_project, "versions", "flights", "--json", url=url),
        dataguard(flights_project, "quarantine", "list", "flights", "--version", "2", "--json", url=url),
        dataguard(flights_project, "quarantine", "release", "flights", "--version", "2", *RELEASE, url=url),
        dataguard(flights_project, "runs", "flights", url=url),
        dataguard(flights_project, "report", "flights", url=url),
        dataguard(flights_project, "gate", "flights", url=wrong),  # refused login: the error names the catalog
        dataguard(flights_project, "catalog", "upgrade", "--json", url=wrong),
    ]
    assert [d.returncode for d in done] == [0, 0, 0, 0, 0, 0, 0, 3, 3]
    masked = url.replace(password, "***").replace("postgresql+psycopg://", "postgresql://")
    assert f"cannot use the catalog {masked}: " in done[-2].stderr  # the URL is shown, masked
    assert "Traceback" not in "".join(d.stderr for d in done)

    outputs = "".join(d.stdout + d.stderr for d in done)
    files = [p for p in flights_project.root.rglob("*") if p.is_file()]
    monkeypatch.setenv("DATAGUARD_CATALOG_URL", url)
    rows = repr(catalog_state(flights_project))
    assert len(files) >= 10  # reports, data and logs to search
    assert "flights" in rows
    for secret in (password, API_KEY):
        assert secret not in outputs
        assert [p for p in files if secret.encode() in p.read_bytes()] == []
        assert secret not in rows
