"""Row checks in partitions: in threads and on a real two-worker Dask cluster, exactly as one pass."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dataguard.app.cli import app
from dataguard.checks.batches import Partition, partitions
from dataguard.checks.load import load_contract
from dataguard.checks.rowchecks import check_partition, check_rows, finish_checks, first_structural
from dataguard.project import Project
from dataguard.spec.execution import Execution, Resolved, from_command_line, from_environment, resolve
from tests.catalog_sql import catalog_is_empty
from tests.cleanrows import clean_of
from tests.conftest import write_contract

runner = CliRunner()

CONTRACT = """
    import pandera.pandas as pa
    import dataguard

    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        tag: str = pa.Field(unique=True)
        score: float = pa.Field(in_range={"min_value": 0, "max_value": 1}, nullable=True)
        label: str = pa.Field(isin=["cat", "dog"])

        @pa.dataframe_check(name="cats_score_low")
        def cats_score_low(cls, df):
            return (df["label"] != "cat") | df["score"].isna() | (df["score"] < 0.5)

        # relative to its record batch: equal results only if partitions hold the same batches
        @pa.dataframe_check(name="near_batch_mean")
        def near_batch_mean(cls, df):
            return df["score"].isna() | (df["score"] <= 3 * df["score"].mean())

    contract = dataguard.Contract(keys=["id"], batch_rows=25EXECUTION)
"""
ROWS = 300


def pets_frame() -> pd.DataFrame:
    """300 pets, cats (even rows) scoring 0.2 and dogs 0.1, with bad rows planted by hand."""
    frame = pd.DataFrame(
        {
            "id": range(ROWS),
            "tag": [f"t{i}" for i in range(ROWS)],
            "score": [0.2 if i % 2 == 0 else 0.1 for i in range(ROWS)],
            "label": ["cat" if i % 2 == 0 else "dog" for i in range(ROWS)],
        }
    )
    frame.loc[[120, 290], "id"] = 7  # key 7 in three partitions of 50 (rows 7, 120, 290)
    frame.loc[222, "id"] = -5
    frame.loc[51, "tag"] = "t48"  # a unique tag repeated across the partition edge at 50
    frame.loc[33, "score"] = 1.5  # out of range, and far above its batch's mean
    frame.loc[150, "score"] = 0.7  # a cat scoring high, and above its batch's mean
    frame.loc[53, "score"] = 0.6  # above 3x the mean of rows 50..74, not of a batch cut at a row group's edge
    frame.loc[260, "score"] = None  # allowed
    frame.loc[77, "label"] = "cow"
    frame.loc[199, "label"] = None
    return frame


GE, IN_RANGE, ISIN = "greater_than_or_equal_to(0)", "in_range(0, 1)", "isin(['cat', 'dog'])"
# (_row_id, code, column, check, value), derived by hand from pets_frame
EXPECTED_FAILURES = [
    (7, "duplicate_key", "id", "duplicate_key(id)", "7"),
    (33, "in_range", "score", IN_RANGE, "1.5"),
    (33, "near_batch_mean", None, "near_batch_mean", None),
    (48, "field_uniqueness", "tag", "field_uniqueness(tag)", "t48"),
    (51, "field_uniqueness", "tag", "field_uniqueness(tag)", "t48"),
    (53, "near_batch_mean", None, "near_batch_mean", None),
    (77, "isin", "label", ISIN, "cow"),
    (120, "duplicate_key", "id", "duplicate_key(id)", "7"),
    (150, "cats_score_low", None, "cats_score_low", None),
    (150, "near_batch_mean", None, "near_batch_mean", None),
    (199, "not_nullable", "label", "not_nullable", None),
    (222, "greater_than_or_equal_to", "id", GE, "-5"),
    (290, "duplicate_key", "id", "duplicate_key(id)", "7"),
]
QUARANTINED = [7, 33, 48, 51, 53, 77, 120, 150, 199, 222, 290]
QUARANTINE_REASONS = [
    {"code": "duplicate_key", "column": "id", "rows": 3},
    {"code": "near_batch_mean", "column": None, "rows": 3},
    {"code": "field_uniqueness", "column": "tag", "rows": 2},
    {"code": "cats_score_low", "column": None, "rows": 1},
    {"code": "greater_than_or_equal_to", "column": "id", "rows": 1},
    {"code": "in_range", "column": "score", "rows": 1},
    {"code": "isin", "column": "label", "rows": 1},
    {"code": "not_nullable", "column": "label", "rows": 1},
]


def pets_contract(project: Project, execution: str = "") -> None:
    write_contract(project, "pets", CONTRACT.replace("EXECUTION", execution))


def failures(path: Path) -> list[tuple[int, str, str | None, str, str | None]]:
    rows = pq.read_table(path).to_pylist()
    return sorted((r["_row_id"], r["code"], r["column"], r["check"], r["value"]) for r in rows)


# -- partitions against one pass, without Prefect ------------------------------------------------


def canonical(path: Path, frame: pd.DataFrame, row_group_rows: int) -> Path:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table.add_column(0, "_row_id", pa.array(range(len(frame)), pa.int64())), path, row_group_size=row_group_rows
    )
    return path


def test_partitions_are_whole_batches_of_row_ids(tmp_path: Path) -> None:
    data = canonical(tmp_path / "v.parquet", pets_frame(), 1_000)
    assert partitions(data, 40, 25) == tuple(Partition(first, first + 49) for first in range(0, 300, 50))
    assert partitions(data, 50, 25) == partitions(data, 40, 25)
    assert partitions(data, 280, 25) == (Partition(0, 299),)
    assert partitions(data, 0, 25) == (Partition(0, 299),)
    assert partitions(data, 1, 1) == tuple(Partition(i, i) for i in range(300))[:300]


@pytest.mark.parametrize("row_group_rows", [30, 64, 1_000])  # row groups that do not line up with batches
def test_partitioned_checks_equal_one_pass(project: Project, tmp_path: Path, row_group_rows: int) -> None:
    pets_contract(project)
    loaded = load_contract(project, "pets")
    data = canonical(tmp_path / "v.parquet", pets_frame(), row_group_rows)

    single = check_rows(data, loaded, tmp_path / "single.parquet")
    parts = partitions(data, 50, loaded.contract.batch_rows)
    outs = [tmp_path / f"part{i}.parquet" for i in range(len(parts))]
    structural = first_structural([check_partition(data, loaded, p, o) for p, o in zip(parts, outs, strict=True)])
    partitioned = finish_checks(data, loaded, outs, structural, tmp_path / "partitioned.parquet")

    assert len(parts) == 6
    assert failures(single.failures_path) == EXPECTED_FAILURES
    assert failures(partitioned.failures_path) == EXPECTED_FAILURES
    assert partitioned.checks == single.checks
    assert (partitioned.structural, single.structural) == ((), ())
    assert [p.exists() for p in outs] == [False] * 6  # merged, then removed


def test_a_structural_failure_is_the_first_partitions_as_in_one_pass() -> None:
    assert first_structural([[], ["b"], ["c", "d"]]) == ["b"]
    assert first_structural([[], []]) == []


# -- settings: command line > contract > environment > default -------------------------------------


def test_settings_take_the_first_source_that_sets_them() -> None:
    cli = from_command_line(None, None, "tcp://10.0.0.5:8786")
    contract = Execution(partition_rows=100, task_runner="thread")
    env = from_environment({"DATAGUARD_PARTITION_ROWS": "2_000", "DATAGUARD_TASK_RUNNER": "dask"})
    assert resolve(cli, contract, env) == Resolved(100, "dask", "tcp://10.0.0.5:8786")
    assert resolve(Execution(), contract, env) == Resolved(100, "thread", None)
    assert resolve(Execution(), Execution(), env) == Resolved(2000, "dask", None)
    assert resolve(Execution(), Execution(), from_environment({})) == Resolved(10_000_000, "thread", None)
    assert resolve(
        from_command_line(None, "dask", None), Execution(), from_environment({"DATAGUARD_DASK_ADDRESS": "tcp://h:1"})
    ) == Resolved(10_000_000, "dask", "tcp://h:1")


# -- the flow, in threads and on a Dask cluster ---------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.fixture
def pets_csv(tmp_path: Path) -> Path:
    path = tmp_path / "pets.csv"
    pets_frame().to_csv(path, index=False)
    return path


def validate(*args: str | Path) -> tuple[int, Any]:
    result = runner.invoke(app, ["validate", "pets", *map(str, args), "--json"])
    return result.exit_code, json.loads(result.stdout)


def outcome(report: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on where the row checks ran."""
    quarantine = pq.read_table(report["paths"]["quarantine"])
    return {
        "verdict": report["verdict"],
        "reasons": report["reasons"],
        "rows": report["rows"],
        "checks": report["checks"],
        "quarantine_reasons": report["quarantine_reasons"],
        "clean": clean_of(report).column("_row_id").to_pylist(),
        "quarantine": quarantine.column("_row_id").to_pylist(),
        "row_reasons": quarantine.column("_reasons").to_pylist(),
    }


def row_reasons() -> list[list[dict[str, str | None]]]:
    by_row: dict[int, list[dict[str, str | None]]] = {}
    for rid, code, column, check, value in EXPECTED_FAILURES:
        by_row.setdefault(rid, []).append({"code": code, "column": column, "check": check, "value": value})
    return [
        sorted(by_row[rid], key=lambda r: (r["code"], r["column"] or "", r["check"], r["value"] or ""))
        for rid in QUARANTINED
    ]


def partition_tasks(stream: Any) -> list[dict[str, Any]]:
    """The Dask tasks that checked a partition (prefect-dask keys them by the task's function)."""
    return [t for t in stream.data if t["key"].startswith("check_partition_task-")]


@pytest.mark.usefixtures("prefect_harness")
def test_dask_cluster_gives_exactly_the_in_process_result(project: Project, pets_csv: Path, cluster: Any) -> None:
    from distributed import Client, get_task_stream

    pets_contract(project)
    code, single = validate(pets_csv, "--partition-rows", "0")
    assert code == 0
    code, threads = validate("--version", "1", "--partition-rows", "50")
    assert code == 0
    with Client(cluster) as client, get_task_stream(client) as stream:
        code, on_dask = validate(
            "--version",
            "1",
            "--partition-rows",
            "50",
            "--task-runner",
            "dask",
            "--dask-address",
            cluster.scheduler_address,
        )
    assert code == 0

    expected = outcome(single)
    assert expected["verdict"] == "WARN"
    assert expected["reasons"] == ["3.67% of rows quarantined (11 of 300)"]
    assert expected["quarantine"] == QUARANTINED
    assert expected["clean"] == [i for i in range(ROWS) if i not in QUARANTINED]
    assert expected["quarantine_reasons"] == QUARANTINE_REASONS
    assert expected["row_reasons"] == row_reasons()
    assert outcome(threads) == expected
    assert outcome(on_dask) == expected
    assert [r["version"] for r in (single, threads, on_dask)] == [1, 1, 1]

    # the six partitions ran as tasks on the cluster's two workers
    ran = partition_tasks(stream)
    assert len(ran) == 6
    assert {t["worker"] for t in ran} <= set(cluster.scheduler_info["workers"])


@pytest.mark.usefixtures("prefect_harness")
def test_the_contract_sends_the_checks_to_dask_and_the_command_line_wins(
    project: Project, pets_csv: Path, cluster: Any
) -> None:
    from distributed import Client, get_task_stream

    pets_contract(
        project, f", execution=dataguard.Execution(partition_rows=100, dask_address={cluster.scheduler_address!r})"
    )
    with Client(cluster) as client, get_task_stream(client) as from_contract:
        code, first = validate(pets_csv)
    assert code == 0
    with Client(cluster) as client, get_task_stream(client) as overridden:
        code, second = validate("--version", "1", "--task-runner", "thread")
    assert code == 0
    assert len(partition_tasks(from_contract)) == 3
    assert partition_tasks(overridden) == []
    assert outcome(first) == outcome(second)
    assert outcome(first)["quarantine"] == QUARANTINED


# -- bad settings: exit 2, nothing recorded --------------------------------------------------------


def versions() -> Any:
    return json.loads(runner.invoke(app, ["versions", "pets", "--json"]).stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task-runner", "spark"], "--task-runner must be one of thread, dask, got 'spark'"),
        (["--partition-rows", "-1"], "--partition-rows must be 0 or more rows, got -1"),
        (
            ["--dask-address", "http://host:8786"],
            "--dask-address must be a Dask scheduler address such as tcp://host:8786, got 'http://host:8786'",
        ),
        (["--dask-address", "tcp://host"], "got 'tcp://host'"),
        (
            ["--task-runner", "thread", "--dask-address", "tcp://host:8786"],
            "--dask-address is set but --task-runner is 'thread': a Dask address needs the dask task runner",
        ),
    ],
)
def test_bad_command_line_settings_exit_2(project: Project, pets_csv: Path, args: list[str], message: str) -> None:
    pets_contract(project)
    code, doc = validate(pets_csv, *args)
    assert code == 2
    assert (doc["error"]["type"], doc["error"]["exit_code"]) == ("BadInput", 2)
    assert message in doc["error"]["message"]
    assert catalog_is_empty(project)


@pytest.mark.usefixtures("prefect_harness")
def test_a_bad_contract_setting_names_the_contract_file_and_line(project: Project, pets_csv: Path) -> None:
    pets_contract(project, ", execution=dataguard.Execution(task_runner='spark')")
    code, doc = validate(pets_csv)
    assert code == 2
    assert doc["error"]["type"] == "ContractError"
    path = project.contract_path("pets")
    assert path.read_text().splitlines()[18].startswith("contract = dataguard.Contract(")
    assert doc["error"]["message"].startswith(
        f"{path}, line 19: Execution.task_runner must be one of thread, dask, got 'spark'"
    )


@pytest.mark.usefixtures("prefect_harness")
def test_a_bad_environment_setting_exits_2_before_ingesting(
    project: Project, pets_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pets_contract(project)
    monkeypatch.setenv("DATAGUARD_PARTITION_ROWS", "many")
    code, doc = validate(pets_csv)
    assert code == 2
    assert doc["error"]["message"].startswith(
        "DATAGUARD_PARTITION_ROWS must be a whole number of rows (0: one partition), got 'many'"
    )
    assert catalog_is_empty(project)


@pytest.mark.usefixtures("prefect_harness")
def test_an_unreachable_scheduler_exits_2_and_records_nothing(project: Project, pets_csv: Path) -> None:
    import dask

    pets_contract(project)
    address = f"tcp://127.0.0.1:{free_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code, doc = validate(pets_csv, "--task-runner", "dask", "--dask-address", address)
    assert code == 2
    assert doc["error"]["message"].startswith(f"cannot reach the Dask scheduler at {address}: ")
    assert versions() == []
    assert sorted(os.listdir(project.warehouse / "pets")) == []  # the ingested version and its run, undone
