"""The data contract: a pandera schema plus the policy around it.

``schemas/<dataset>.py`` must expose ``schema`` (a pandera ``DataFrameModel``
subclass or ``DataFrameSchema``, pandas backend). ``contract =
dataguard.Contract(...)`` is optional; every field has a documented default.
"""

from __future__ import annotations

import ast
import codecs
import functools
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandera.pandas as pa

from dataguard.errors import ContractError, did_you_mean
from dataguard.ingest.version import SourceOptions
from dataguard.measure.drift.policy import DriftSettings
from dataguard.measure.slices import SliceTest, validate_slices
from dataguard.project import Project
from dataguard.spec.execution import Execution


@dataclass(frozen=True)
class GatePolicy:
    """How results become a verdict (see ``verdict.decide``).

    max_quarantined_fraction: FAIL when more than this share of rows is quarantined.
    warn_on_quarantine: WARN when any row is quarantined (and not FAIL).
    warn_blocks: a WARN verdict closes the gate too.
    block_checks: check codes (e.g. ``"duplicate_key"``) that FAIL the version
        when any row fails them, whatever the fraction.
    """

    max_quarantined_fraction: float = 0.05
    warn_on_quarantine: bool = True
    warn_blocks: bool = False
    block_checks: tuple[str, ...] | list[str] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_quarantined_fraction <= 1.0:
            raise ContractError(
                f"GatePolicy.max_quarantined_fraction must be within 0..1, got {self.max_quarantined_fraction!r}"
            )
        object.__setattr__(self, "block_checks", _names(self.block_checks))


@dataclass(frozen=True)
class HistoryPolicy:
    """The metric-history rule: a figure outside mean +/- ``k_sd`` standard deviations of the
    same figure over the last ``window`` versions is a WARN reason, once at least
    ``min_history`` earlier versions exist."""

    window: int = 5
    k_sd: float = 3.0
    min_history: int = 3

    def __post_init__(self) -> None:
        if not (isinstance(self.window, int) and self.window >= 2):
            raise ContractError(f"HistoryPolicy.window must be a whole number of versions >= 2, got {self.window!r}")
        if not (isinstance(self.k_sd, int | float) and self.k_sd > 0):
            raise ContractError(f"HistoryPolicy.k_sd must be a number > 0, got {self.k_sd!r}")
        if not (isinstance(self.min_history, int) and 2 <= self.min_history <= self.window):
            raise ContractError(
                f"HistoryPolicy.min_history must be a whole number from 2 to the window ({self.window}), "
                f"got {self.min_history!r}"
            )


@dataclass(frozen=True)
class Contract:
    """Everything about a dataset beyond its schema.

    keys: columns that identify a row; duplicates are quarantined with code
        ``duplicate_key`` (checked over the whole version in DuckDB).
    gate: the gate policy.
    batch_rows: rows per record batch for the pandera checks (bounds memory).
    encoding: text encoding of CSV / JSON Lines sources; decoded to UTF-8
        before DuckDB reads them.
    csv_delimiter: the CSV field separator (the dialect is fixed, never sniffed).
    slices: slice tests (``dataguard.SliceTest``), evaluated on the clean rows.
    drift: drift settings (``dataguard.DriftSettings``): columns, kinds, thresholds, severities.
    execution: where the row checks run (``dataguard.Execution``): partition size,
        task runner, Dask scheduler address; the command line overrides it, and
        it overrides the environment.
    history: the metric-history rule (``dataguard.HistoryPolicy``): window, k, minimum.
    """

    keys: tuple[str, ...] | list[str] = ()
    gate: GatePolicy = field(default_factory=GatePolicy)
    batch_rows: int = 500_000
    encoding: str = "utf-8"
    csv_delimiter: str = ","
    slices: tuple[SliceTest, ...] | list[SliceTest] = ()
    drift: DriftSettings = field(default_factory=DriftSettings)
    execution: Execution = field(default_factory=Execution)
    history: HistoryPolicy = field(default_factory=HistoryPolicy)

    def __post_init__(self) -> None:
        if not isinstance(self.history, HistoryPolicy):
            raise ContractError(
                f"Contract.history takes a dataguard.HistoryPolicy, got {type(self.history).__name__}",
                hint="history=dataguard.HistoryPolicy(window=5, k_sd=3.0, min_history=3)",
            )
        if not isinstance(self.execution, Execution):
            raise ContractError(
                f"Contract.execution takes a dataguard.Execution, got {type(self.execution).__name__}",
                hint="execution=dataguard.Execution(task_runner='dask', dask_address='tcp://host:8786')",
            )
        object.__setattr__(self, "keys", _names(self.keys))
        object.__setattr__(self, "slices", tuple(self.slices))
        for test in self.slices:
            if not isinstance(test, SliceTest):
                raise ContractError(f"Contract.slices takes dataguard.SliceTest values, got {type(test).__name__}")
        names = [test.name for test in self.slices]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ContractError(f"Contract.slices: slice names must be unique; repeated: {', '.join(twice)}")
        if self.batch_rows < 1:
            raise ContractError(f"Contract.batch_rows must be at least 1, got {self.batch_rows!r}")
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ContractError(
                f"Contract.encoding {self.encoding!r} is not a known text encoding",
                hint="use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'",
            ) from exc
        if len(self.csv_delimiter) != 1 or self.csv_delimiter in '"\r\n':
            raise ContractError(
                "Contract.csv_delimiter must be one character other than a quote or newline, "
                f"got {self.csv_delimiter!r}"
            )


def _names(names: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """A lone string is one name, not a sequence of one-letter names."""
    return (names,) if isinstance(names, str) else tuple(names)


@dataclass(frozen=True)
class LoadedContract:
    dataset: str
    path: Path
    schema: pa.DataFrameSchema
    contract: Contract

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    @property
    def source_options(self) -> SourceOptions:
        """How ingest reads this dataset's files: encoding, delimiter, and the DuckDB type of each column
        whose dtype the schema declares (so whole numbers in a float column are read as floats)."""
        types = tuple(
            (name, kind)
            for name, column in self.schema.columns.items()
            if not column.regex and (kind := duckdb_type(column.dtype)) is not None
        )
        return SourceOptions(self.contract.encoding, self.contract.csv_delimiter, column_types=types)


# pandera dtype (lower case) -> DuckDB type; a nullable int (Int64) is a BIGINT with nulls
_DUCKDB_TYPES = {
    "float64": "DOUBLE",
    "float32": "FLOAT",
    "int64": "BIGINT",
    "int32": "INTEGER",
    "int16": "SMALLINT",
    "int8": "TINYINT",
    "uint64": "UBIGINT",
    "uint32": "UINTEGER",
    "uint16": "USMALLINT",
    "uint8": "UTINYINT",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


def duckdb_type(dtype: object) -> str | None:
    """The DuckDB type a source column is read as for a pandera dtype; None (DuckDB infers it) when
    the dtype is not declared or has no DuckDB match (category, object, timedelta, ...)."""
    if _is_text(dtype):
        return "VARCHAR"
    name = str(dtype)
    if name.startswith("datetime64"):  # datetime64[ns], datetime64[us, UTC]
        return "TIMESTAMPTZ" if "," in name else "TIMESTAMP"
    return _DUCKDB_TYPES.get(name.lower())


def _is_text(dtype: object) -> bool:
    name = str(dtype)
    return name == "str" or name.startswith("string")


def load_contract(project: Project, dataset: str) -> LoadedContract:
    """Import ``schemas/<dataset>.py`` and check it exposes a usable schema."""
    path = project.require_contract(dataset)
    name = f"dataguard_contract_{path.stem}"
    try:
        module = _import_contract(path, name)
        schema = _schema_of(module, path)  # a model resolves its annotations through sys.modules
    finally:
        # not left registered: pickling (Prefect, Dask) then ships the contract's code by value
        sys.modules.pop(name, None)
    contract = getattr(module, "contract", Contract())
    if not isinstance(contract, Contract):
        raise ContractError(
            f"{_where(path, 'contract')}: `contract` must be a dataguard.Contract, got {type(contract).__name__}"
        )
    _check_keys(contract, schema, path)
    _check_slices(contract, schema, path)
    _check_drift(contract, schema, path)
    return LoadedContract(dataset=dataset, path=path, schema=schema, contract=contract)


def _import_contract(path: Path, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ContractError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as a real import does: dataclasses and typing look the module up there
    rerun = f"fix the contract, then re-run; check it with: python {path}"
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ContractError(f"{path}, line {exc.lineno}: syntax error: {exc.msg}", hint=rerun) from exc
    except ContractError as exc:  # Contract(...) or GatePolicy(...) refused a value
        raise ContractError(f"{path}, line {_line_in(path, exc)}: {exc.message}", hint=exc.hint or rerun) from exc
    except (Exception, SystemExit) as exc:
        raise ContractError(
            f"{path}, line {_line_in(path, exc)}: the contract failed to import: {type(exc).__name__}: {exc}",
            hint=rerun,
        ) from exc
    return module


def _line_in(path: Path, exc: BaseException) -> int | str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return frames[-1].lineno or "?" if frames else "?"


def _where(path: Path, name: str) -> str:
    """``path, line N`` of the last top-level statement that binds ``name`` (just ``path`` if none does)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return str(path)
    lines = [node.lineno for node in tree.body if name in _bound_names(node)]
    return f"{path}, line {lines[-1]}" if lines else str(path)


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    else:
        return set()
    return {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}


@contextmanager
def _typing_modules_already_imported() -> Iterator[None]:
    """Build a model without pandera importing dask just to list the types a model could name.

    pandera asks ``get_index_types()`` and ``get_series_types()`` for every
    model, and they import ``dask.dataframe`` whenever dask is installed (0.9 s
    here: most of a small validate). A model can only be annotated with a
    dask, modin, pyspark or geopandas type if its module imported that
    pandera typing module, so the types of the modules already imported are
    the complete answer.
    """
    from pandera.api.pandas import model

    asked = {name: getattr(model, name) for name in _TYPE_LISTS}
    for name, (base, attribute) in _TYPE_LISTS.items():
        setattr(model, name, functools.partial(_imported_types, base, attribute))
    try:
        yield
    finally:
        for name, function in asked.items():
            setattr(model, name, function)


# pandera's list function -> (the pandas type, the name of the same type in each other typing module)
_TYPE_LISTS = {"get_index_types": ("Index", "Index"), "get_series_types": ("Series", "Series")}
_OTHER_TYPING = {
    "pandera.typing.dask": ("DASK_INSTALLED", None),
    "pandera.typing.modin": ("MODIN_INSTALLED", None),
    "pandera.typing.pyspark": ("PYSPARK_INSTALLED", None),
    "pandera.typing.geopandas": ("GEOPANDAS_INSTALLED", "GeoSeries"),
}


def _imported_types(base: str, attribute: str) -> set[type]:
    found: set[type] = {getattr(pa.typing, base)}
    for module_name, (flag, series_name) in _OTHER_TYPING.items():
        other = sys.modules.get(module_name)
        name = series_name if series_name and attribute == "Series" else attribute
        if other is not None and getattr(other, flag, False) and hasattr(other, name):
            found.add(getattr(other, name))
    return found


def _schema_of(module: object, path: Path) -> pa.DataFrameSchema:
    schema = getattr(module, "schema", None)
    if schema is None:
        raise ContractError(
            f"{path}: the contract defines no `schema`",
            hint="define `schema` as a pandera DataFrameModel subclass or DataFrameSchema (pandas backend)",
        )
    if isinstance(schema, type) and issubclass(schema, pa.DataFrameModel):
        try:
            with _typing_modules_already_imported():
                return schema.to_schema()
        except Exception as exc:
            raise ContractError(f"{_where(path, 'schema')}: `schema` is not a valid pandera model: {exc}") from exc
    if isinstance(schema, pa.DataFrameSchema):
        return schema
    raise ContractError(
        f"{_where(path, 'schema')}: `schema` must be a pandera DataFrameModel subclass or DataFrameSchema "
        f"(pandas backend), got {type(schema).__name__}"
    )


def _check_drift(contract: Contract, schema: pa.DataFrameSchema, path: Path) -> None:
    named = [c.column for c in contract.drift.columns] + list(contract.drift.exclude)
    for column in named:
        if column not in schema.columns:
            hint = did_you_mean(column, schema.columns, otherwise=f"schema columns: {', '.join(schema.columns)}")
            raise ContractError(
                f"{_where(path, 'contract')}: drift names column {column!r}, not in the schema", hint=hint
            )


def _check_slices(contract: Contract, schema: pa.DataFrameSchema, path: Path) -> None:
    try:
        validate_slices(contract.slices, list(schema.columns))
    except ContractError as exc:
        raise ContractError(f"{_where(path, 'contract')}: {exc.message}", hint=exc.hint) from exc


def _check_keys(contract: Contract, schema: pa.DataFrameSchema, path: Path) -> None:
    for key in contract.keys:
        if key not in schema.columns:
            hint = did_you_mean(key, schema.columns, otherwise=f"schema columns: {', '.join(schema.columns)}")
            raise ContractError(f"{_where(path, 'contract')}: key column {key!r} is not in the schema", hint=hint)


# -- pandera must really validate -----------------------------------------------------------------

_CANARY_MISSING = pa.DataFrameSchema({"canary": pa.Column(int)})
_CANARY_DATA = pa.DataFrameSchema({"canary": pa.Column(int, pa.Check.ge(0))})


def require_full_validation() -> None:
    """Refuse to check rows unless pandera checks both the schema and the data.

    ``PANDERA_VALIDATION_ENABLED=False``, a schema-only or data-only validation
    depth, or any other way of switching pandera off would let every row
    through and give a PASS that checked nothing. Two canaries that must fail
    prove it is on: a missing column (schema) and a value out of range (data).
    """
    import pandas as pd
    from pandera.config import get_config_context
    from pandera.errors import SchemaError, SchemaErrors

    frame = pd.DataFrame({"canary": [-1]})
    for canary in (_CANARY_MISSING, _CANARY_DATA):
        probe = frame.drop(columns=["canary"]) if canary is _CANARY_MISSING else frame
        try:
            canary.validate(probe, lazy=True)
        except (SchemaError, SchemaErrors):
            continue
        config = get_config_context()
        depth = getattr(config.validation_depth, "value", None)
        raise ContractError(
            "pandera is not validating "
            f"(validation_enabled={config.validation_enabled}, validation_depth={depth}): "
            "refusing to check rows, a run now would pass data it never checked",
            hint="unset PANDERA_VALIDATION_ENABLED and PANDERA_VALIDATION_DEPTH "
            "(or set them to True and SCHEMA_AND_DATA), then run again",
        )
