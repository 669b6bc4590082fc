"""Where the row checks run: partition size, task runner, Dask scheduler address.

Plain values and pure functions. Each setting comes from the first of: the
command line, the contract's ``execution``, the environment
(``DATAGUARD_PARTITION_ROWS``, ``DATAGUARD_TASK_RUNNER``,
``DATAGUARD_DASK_ADDRESS``), the documented default. ``dataguard.app.flows``
turns the result into a Prefect task runner.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dataguard.errors import BadInput, ContractError

THREAD, DASK = "thread", "dask"
TASK_RUNNERS = (THREAD, DASK)
DEFAULT_PARTITION_ROWS = 10_000_000

PARTITION_ROWS_ENV = "DATAGUARD_PARTITION_ROWS"
TASK_RUNNER_ENV = "DATAGUARD_TASK_RUNNER"
DASK_ADDRESS_ENV = "DATAGUARD_DASK_ADDRESS"

# scheme://host:port, or host:port (Dask reads that as tcp); an IPv6 host in brackets
_ADDRESS = re.compile(r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):(?P<port>\d+)$")
_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")


CONTRACT_NAMES = ("Execution.partition_rows", "Execution.task_runner", "Execution.dask_address")
CLI_NAMES = ("--partition-rows", "--task-runner", "--dask-address")
ENV_NAMES = (PARTITION_ROWS_ENV, TASK_RUNNER_ENV, DASK_ADDRESS_ENV)


@dataclass(frozen=True)
class Execution:
    """How the row checks of a version run (None: not set here, the next source decides).

    partition_rows: rows per partition, each checked as its own Prefect task
        (rounded up to whole ``batch_rows``); 0: one partition. Default 10,000,000.
    task_runner: ``"thread"`` (this process, default) or ``"dask"`` (prefect-dask).
    dask_address: the Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``; implies
        ``task_runner="dask"``. With ``"dask"`` and no address, a temporary local
        cluster is started for the run.
    """

    partition_rows: int | None = None
    task_runner: str | None = None
    dask_address: str | None = None

    def __post_init__(self) -> None:
        try:
            values = _checked(self.partition_rows, self.task_runner, self.dask_address, CONTRACT_NAMES)
        except BadInput as exc:
            raise ContractError(exc.message, hint=exc.hint) from None
        for name, value in zip(("partition_rows", "task_runner", "dask_address"), values, strict=True):
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Resolved:
    """The settings a run uses: every source applied, defaults filled in."""

    partition_rows: int = DEFAULT_PARTITION_ROWS
    task_runner: str = THREAD
    dask_address: str | None = None


def from_command_line(partition_rows: int | None, task_runner: str | None, dask_address: str | None) -> Execution:
    """The command line's settings, refused (BadInput) with the flags' names."""
    return Execution(*_checked(partition_rows, task_runner, dask_address, CLI_NAMES))


def from_environment(environ: Mapping[str, str]) -> Execution:
    """``DATAGUARD_PARTITION_ROWS``, ``DATAGUARD_TASK_RUNNER``, ``DATAGUARD_DASK_ADDRESS`` (empty: unset)."""
    rows, runner, address = (environ.get(name, "").strip() or None for name in ENV_NAMES)
    return Execution(*_checked(rows, runner, address, ENV_NAMES))


def resolve(*sources: Execution) -> Resolved:
    """The first source that sets a value wins; a source's address makes its runner dask."""
    runners = [source.task_runner or (DASK if source.dask_address else None) for source in sources]
    runner = next((r for r in runners if r is not None), THREAD)
    rows = next((s.partition_rows for s in sources if s.partition_rows is not None), DEFAULT_PARTITION_ROWS)
    address = next((s.dask_address for s in sources if s.dask_address is not None), None)
    return Resolved(rows, runner, address if runner == DASK else None)


def _checked(
    rows: object, runner: object, address: object, names: tuple[str, str, str]
) -> tuple[int | None, str | None, str | None]:
    """The values normalised, or BadInput naming the setting as the user wrote it (``names``)."""
    rows_name, runner_name, address_name = names
    checked_rows = None if rows is None else partition_rows(rows, rows_name)
    checked_runner = None if runner is None else task_runner(runner, runner_name)
    checked_address = None if address is None else dask_address(address, address_name)
    if checked_runner == THREAD and checked_address is not None:
        raise BadInput(
            f"{address_name} is set but {runner_name} is {THREAD!r}: a Dask address needs the dask task runner",
            hint=f"set {runner_name} to 'dask', or drop {address_name}",
        )
    return checked_rows, checked_runner, checked_address


def partition_rows(value: object, name: str) -> int:
    """A whole number of rows, 0 or more."""
    text = str(value).strip().replace("_", "") if isinstance(value, str) else None
    if isinstance(value, bool) or not (isinstance(value, int) or (text is not None and text.isdigit())):
        raise BadInput(
            f"{name} must be a whole number of rows (0: one partition), got {value!r}", hint="such as 5000000"
        )
    rows = int(value) if text is None else int(text)  # type: ignore[call-overload]
    if rows < 0:
        raise BadInput(f"{name} must be 0 or more rows, got {rows}", hint="such as 5000000 (0: one partition)")
    return rows


def task_runner(value: object, name: str) -> str:
    kind = str(value).strip().lower() if isinstance(value, str) else None
    if kind not in TASK_RUNNERS:
        raise BadInput(f"{name} must be one of {', '.join(TASK_RUNNERS)}, got {value!r}")
    return kind


def dask_address(value: object, name: str) -> str:
    """A scheduler address as Dask takes it: ``tcp://host:port`` (the scheme may be left out)."""
    match = _ADDRESS.match(value.strip()) if isinstance(value, str) else None
    scheme = match and match["scheme"]
    if match is None or (scheme and scheme not in _SCHEMES) or not 0 < int(match["port"]) < 65536:
        raise BadInput(
            f"{name} must be a Dask scheduler address such as tcp://host:8786, got {value!r}",
            hint=f"schemes: {', '.join(_SCHEMES)}; the port is required",
        )
    return str(value).strip()
