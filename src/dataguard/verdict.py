"""The gate's one pure function: results and policy in, verdict and reasons out."""

from __future__ import annotations

from dataclasses import dataclass, field

from dataguard.contract import GatePolicy

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class CheckOutcome:
    """What ``decide`` needs of one check's result."""

    name: str
    column: str | None
    code: str
    failed_rows: int


@dataclass(frozen=True)
class Results:
    rows_input: int
    rows_quarantined: int
    checks: tuple[CheckOutcome, ...] = ()
    structural: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[str, ...]
    gate_open: bool = field(default=False)


def decide(results: Results, policy: GatePolicy) -> Verdict:
    """PASS, WARN or FAIL, with every reason a person needs to act on it."""
    failures = _failures(results, policy)
    if failures:
        return Verdict(FAIL, tuple(failures), gate_open=False)
    warnings = _warnings(results, policy)
    if warnings:
        return Verdict(WARN, tuple(warnings), gate_open=not policy.warn_blocks)
    return Verdict(PASS, (), gate_open=True)


def _failures(results: Results, policy: GatePolicy) -> list[str]:
    reasons = [f"structural: {reason}" for reason in results.structural]
    if results.rows_input == 0:
        reasons.append("the version is empty (0 rows)")
        return reasons
    if results.structural:
        return reasons
    share = results.rows_quarantined / results.rows_input
    if share > policy.max_quarantined_fraction:
        reasons.append(
            f"{_pct(share)} of rows quarantined ({results.rows_quarantined:,} of {results.rows_input:,}), "
            f"above the {_pct(policy.max_quarantined_fraction)} allowed"
        )
    for check in results.checks:
        if check.failed_rows and check.code in policy.block_checks:
            reasons.append(f"blocking check {check.name} failed on {_where(check)}: {check.failed_rows:,} rows")
    return reasons


def _warnings(results: Results, policy: GatePolicy) -> list[str]:
    if not (policy.warn_on_quarantine and results.rows_quarantined):
        return []
    share = results.rows_quarantined / results.rows_input
    return [f"{_pct(share)} of rows quarantined ({results.rows_quarantined:,} of {results.rows_input:,})"]


def _where(check: CheckOutcome) -> str:
    return f"column {check.column}" if check.column else "the dataset"


def _pct(share: float) -> str:
    return f"{share * 100:.2f}%"
