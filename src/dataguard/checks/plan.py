"""The contract's checks planned: per-batch checks, whole-version set checks, and every declared check by name."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import pandera.pandas as pa

from dataguard.checks.failures import check_code
from dataguard.checks.load import LoadedContract


@dataclass(frozen=True)
class DeclaredCheck:
    """A check the contract declares; ``check`` is pandera's name for it."""

    check: str
    column: str | None
    code: str


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


def plan_checks(loaded: LoadedContract) -> CheckPlan:
    """Split the schema into per-batch checks and whole-version set checks."""
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
    return CheckPlan(schema, tuple(set_checks), tuple(_declared(schema, set_checks)))


def _declared(schema: pa.DataFrameSchema, set_checks: list[SetCheck]) -> Iterator[DeclaredCheck]:
    for name, column in schema.columns.items():
        if schema.coerce or column.coerce:
            yield DeclaredCheck(f"coerce_dtype('{column.dtype}')", name, "coerce_dtype")
        if not column.nullable:
            yield DeclaredCheck("not_nullable", name, "not_nullable")
        for check in column.checks:
            label = check.error or check.name
            yield DeclaredCheck(label, name, check_code(label))
    for check in schema.checks:
        label = check.error or check.name
        yield DeclaredCheck(label, None, check_code(label))
    for set_check in set_checks:
        yield DeclaredCheck(set_check.check, ", ".join(set_check.columns), set_check.code)
