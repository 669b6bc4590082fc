"""The DuckDB engine's settings come from the environment, with defaults, and bad values are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataguard.common.sql import EngineSettings, engine
from dataguard.errors import BadInput

SETTINGS = "SELECT current_setting('memory_limit'), current_setting('temp_directory')"


@pytest.fixture(autouse=True)
def no_engine_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATAGUARD_DUCKDB_MEMORY", "DATAGUARD_DUCKDB_TEMP", "DATAGUARD_DUCKDB_THREADS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_a_256mb_ceiling_spilling_into_the_run_folder(tmp_path: Path) -> None:
    assert EngineSettings.from_env() == EngineSettings("256MB", None, None)
    with engine(tmp_path) as con:
        assert con.execute(SETTINGS).fetchone() == ("244.1 MiB", str(tmp_path))


def test_environment_sets_memory_temp_directory_and_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGUARD_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("DATAGUARD_DUCKDB_TEMP", str(tmp_path / "spill"))
    monkeypatch.setenv("DATAGUARD_DUCKDB_THREADS", "1")
    assert EngineSettings.from_env() == EngineSettings("1GB", str(tmp_path / "spill"), 1)
    with engine(tmp_path / "run") as con:  # the configured folder wins over the run's
        assert con.execute(SETTINGS).fetchone() == ("953.6 MiB", str(tmp_path / "spill"))
        assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATAGUARD_DUCKDB_MEMORY", "lots", "DATAGUARD_DUCKDB_MEMORY='lots' is not a memory size"),
        ("DATAGUARD_DUCKDB_MEMORY", "256", "DATAGUARD_DUCKDB_MEMORY='256' is not a memory size"),
        ("DATAGUARD_DUCKDB_THREADS", "0", "DATAGUARD_DUCKDB_THREADS='0' is not a positive whole number"),
    ],
)
def test_a_bad_setting_is_bad_input_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadInput) as raised:
        engine()
    assert raised.value.message == message
    assert raised.value.exit_code == 2
