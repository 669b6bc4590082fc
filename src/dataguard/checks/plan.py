"""The contract's checks planned: per-batch checks, whole-version set checks, and every declared check by name."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandera.pandas as pa

from dataguard.checks.failures import check_code
from dataguard.checks.load import LoadedContract
from dataguard.checks.relations import RelationCheck
from dataguard.common.integrity import value_fingerprint


@dataclass(frozen=True)
class DeclaredCheck:
    """A check the contract declares; ``check`` is pandera's name for it."""

    check: str
    column: str | None
    code: str
    fingerprint: str  # of the check's definition: what it tests, with which arguments, and its code


@dataclass(frozen=True)
class SetCheck:
    """A check over the whole version: rows sharing these columns' values fail."""

    columns: tuple[str, ...]
    code: str

    @property
    def check(self) -> str:
        return f"{self.code}({', '.join(self.columns)})"


@dataclass(frozen=True)
class CheckPlan:
    batch_schema: pa.DataFrameSchema
    set_checks: tuple[SetCheck, ...]
    declared: tuple[DeclaredCheck, ...]


def plan_checks(loaded: LoadedContract, relations: Sequence[RelationCheck] = ()) -> CheckPlan:
    """Split the schema into per-batch checks and whole-version set checks; ``relations`` are declared last."""
    schema = copy.deepcopy(loaded.schema)
    set_checks: list[SetCheck] = []
    for name, column in schema.columns.items():
        if column.unique:
            set_checks.append(SetCheck((name,), "field_uniqueness"))
            schema = schema.update_column(name, unique=False)
    if schema.unique:
        set_checks.append(SetCheck(tuple(schema.unique), "multiple_fields_uniqueness"))
        schema.unique = None
    if loaded.contract.keys:
        set_checks.append(SetCheck(tuple(loaded.contract.keys), "duplicate_key"))
    declared = (*_declared(schema, set_checks), *(_related(r) for r in relations))
    return CheckPlan(schema, tuple(set_checks), declared)


def _declared(schema: pa.DataFrameSchema, set_checks: list[SetCheck]) -> Iterator[DeclaredCheck]:
    for name, column in schema.columns.items():
        if schema.coerce or column.coerce:
            label = f"coerce_dtype('{column.dtype}')"
            yield DeclaredCheck(label, name, "coerce_dtype", value_fingerprint({"check": label, "column": name}))
        if not column.nullable:
            yield DeclaredCheck(
                "not_nullable", name, "not_nullable", value_fingerprint({"check": "not_nullable", "column": name})
            )
        for check in column.checks:
            yield _pandera_check(check, name)
    for check in schema.checks:
        yield _pandera_check(check, None)
    for set_check in set_checks:
        column = ", ".join(set_check.columns)
        yield DeclaredCheck(set_check.check, column, set_check.code, value_fingerprint(asdict(set_check)))


def _pandera_check(check: pa.Check, column: str | None) -> DeclaredCheck:
    label = str(check.error or check.name)
    return DeclaredCheck(label, column, check_code(label), check_fingerprint(check, column))


def _related(relation: RelationCheck) -> DeclaredCheck:
    return DeclaredCheck(relation.check, relation.column, relation.code, relation.fingerprint)


def check_fingerprint(check: pa.Check, column: str | None) -> str:
    """A check's definition: its name, arguments and options, and the source of a check the contract wrote
    (pandera's own checks are named by their arguments: their code changes only with pandera)."""
    function = _own_function(getattr(check, "_check_fn", None))
    parts = {
        "name": check.name,
        "error": check.error,
        "column": column,
        "statistics": check.statistics,
        "element_wise": check.element_wise,
        "ignore_na": check.ignore_na,
        "code": _source(function) if function is not None else None,
    }
    return value_fingerprint(parts)


def _own_function(function: Any, depth: int = 0) -> Any:
    """The contract's own function behind a check. pandera wraps a model's ``@pa.check`` method in an
    adapter whose closure holds a check info (``check_fn``): the search goes through those, closures,
    ``__wrapped__`` and ``__func__``. None for pandera's built-in checks (their code changes only with
    pandera, and their arguments are in ``statistics``)."""
    if function is None or depth > 4:
        return None
    inner = getattr(function, "__func__", None) or getattr(function, "__wrapped__", None)
    if inner is None and not isinstance(function, type) and hasattr(function, "check_fn"):
        inner = function.check_fn
    if inner is not None:
        return _own_function(inner, depth + 1)
    if not inspect.isfunction(function):
        return None
    if not function.__module__.startswith("pandera"):
        return function
    for cell in function.__closure__ or ():
        found = _own_function(cell.cell_contents, depth + 1)
        if found is not None:
            return found
    return None


def _source(function: Any) -> str:
    """The function's source text; its bytecode when the source is not on disk (defined in a REPL)."""
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        code = getattr(function, "__code__", None)
        return code.co_code.hex() if code is not None else getattr(function, "__qualname__", repr(type(function)))


def contract_fingerprint(loaded: LoadedContract, plan: CheckPlan) -> str:
    """The contract a run ran: its module's source, its resolved settings, and every check's fingerprint."""
    parts = {
        "source": loaded.source_sha256,
        "settings": asdict(loaded.contract),
        "checks": [c.fingerprint for c in plan.declared],
    }
    return value_fingerprint(parts)
