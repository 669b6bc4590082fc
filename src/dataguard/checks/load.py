"""Loading a data contract: ``schemas/<dataset>.py`` imported, checked, and paired with its pandera schema.

``schemas/<dataset>.py`` must expose ``schema`` (a pandera ``DataFrameModel``
subclass or ``DataFrameSchema``, pandas backend). ``contract =
dataguard.Contract(...)`` is optional; every field has a documented default.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandera.pandas as pa

from dataguard.errors import ContractError, did_you_mean
from dataguard.measure.slices.guard import validate_slices
from dataguard.project import Project
from dataguard.spec.contract import Contract
from dataguard.spec.source import SourceOptions


@dataclass(frozen=True)
class LoadedContract:
    dataset: str
    path: Path
    schema: pa.DataFrameSchema
    contract: Contract
    source_sha256: str = ""  # of the contract module's text as it was imported

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
    source = path.read_bytes()
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
    _check_relations(contract, schema, path, dataset)
    _check_slices(contract, schema, path)
    _check_drift(contract, schema, path)
    digest = "sha256:" + hashlib.sha256(source).hexdigest()
    return LoadedContract(dataset=dataset, path=path, schema=schema, contract=contract, source_sha256=digest)


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


def _check_relations(contract: Contract, schema: pa.DataFrameSchema, path: Path, dataset: str) -> None:
    """Every column a relation names is in the schema; no relation points at its own dataset."""
    named: list[tuple[str, str]] = []
    for ref in contract.references:
        named += [(f"References to {ref.dataset}", c) for c in ref.columns]
    for other in contract.disjoint_from:
        named += [(f"Disjoint from {other.dataset}", c) for c in other.on or ()]
        named += [(f"Disjoint from {other.dataset}: near", c) for c in other.near.columns] if other.near else []
    if contract.duplicates is not None:
        dup = contract.duplicates
        named += [("Duplicates", c) for c in dup.on or ()] + (
            [("Duplicates: near", c) for c in dup.near.columns] if dup.near else []
        )
    for what, column in named:
        if column not in schema.columns:
            hint = did_you_mean(column, schema.columns, otherwise=f"schema columns: {', '.join(schema.columns)}")
            raise ContractError(
                f"{_where(path, 'contract')}: {what} names column {column!r}, not in the schema", hint=hint
            )
    for relation in (*contract.references, *contract.disjoint_from):
        if relation.dataset == dataset:
            kind = type(relation).__name__
            raise ContractError(
                f"{_where(path, 'contract')}: {kind} names the contract's own dataset {dataset!r}",
                hint="rows repeated within one version: duplicates=dataguard.Duplicates(on=[...])",
            )


# -- pandera must really validate -----------------------------------------------------------------

_CANARY_MISSING = pa.DataFrameSchema({"canary": pa.Column(int)})
_CANARY_DATA = pa.DataFrameSchema({"canary": pa.Column(int, pa.Check.ge(0))})
_VALIDATING: set[tuple[object, object]] = set()  # pandera configurations the canaries proved validating


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

    config = get_config_context()
    state = (config.validation_enabled, getattr(config.validation_depth, "value", None))
    if state in _VALIDATING:  # proven in this process under the same configuration
        return
    frame = pd.DataFrame({"canary": [-1]})
    for canary in (_CANARY_MISSING, _CANARY_DATA):
        probe = frame.drop(columns=["canary"]) if canary is _CANARY_MISSING else frame
        try:
            canary.validate(probe, lazy=True)
        except (SchemaError, SchemaErrors):
            continue
        depth = getattr(config.validation_depth, "value", None)
        raise ContractError(
            "pandera is not validating "
            f"(validation_enabled={config.validation_enabled}, validation_depth={depth}): "
            "refusing to check rows, a run now would pass data it never checked",
            hint="unset PANDERA_VALIDATION_ENABLED and PANDERA_VALIDATION_DEPTH "
            "(or set them to True and SCHEMA_AND_DATA), then run again",
        )
    _VALIDATING.add(state)
