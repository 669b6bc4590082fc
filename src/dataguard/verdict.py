"""The gate's one pure function: results and policy in, verdict and reasons out."""

from __future__ import annotations

from dataclasses import dataclass, field

from dataguard.spec.contract import GatePolicy
from dataguard.spec.outcome import Outcome, Severity


@dataclass(frozen=True)
class CheckOutcome:
    """What ``decide`` needs of one check's result."""

    name: str
    column: str | None
    code: str
    failed_rows: int


@dataclass(frozen=True)
class Finding:
    """A slice test or a drifted column, as the gate sees it: did it pass, what does a miss do, why."""

    name: str
    passed: bool
    severity: str  # Severity.BLOCK | Severity.WARN (Severity.NONE: a drifted column that passed)
    reason: str


@dataclass(frozen=True)
class Results:
    rows_input: int
    rows_quarantined: int
    checks: tuple[CheckOutcome, ...] = ()
    structural: tuple[str, ...] = ()
    slices: tuple[Finding, ...] = ()
    drift: tuple[Finding, ...] = ()
    history: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Verdict:
    verdict: Outcome
    reasons: tuple[str, ...]
    gate_open: bool = field(default=False)


def decide(results: Results, policy: GatePolicy) -> Verdict:
    """PASS, WARN or FAIL, with every reason a person needs to act on it."""
    failures = _failures(results, policy)
    if failures:
        return Verdict(Outcome.FAIL, tuple(failures), gate_open=False)
    warnings = _warnings(results, policy)
    if warnings:
        return Verdict(Outcome.WARN, tuple(warnings), gate_open=not policy.warn_blocks)
    return Verdict(Outcome.PASS, (), gate_open=True)


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
    return reasons + _missed(results, Severity.BLOCK)


def _warnings(results: Results, policy: GatePolicy) -> list[str]:
    reasons = []
    if policy.warn_on_quarantine and results.rows_quarantined:
        share = results.rows_quarantined / results.rows_input
        reasons.append(f"{_pct(share)} of rows quarantined ({results.rows_quarantined:,} of {results.rows_input:,})")
    return reasons + _missed(results, Severity.WARN)


def _missed(results: Results, severity: Severity) -> list[str]:
    """Drifted columns and failed slice tests of one severity, as reasons."""
    drift = [f"drift in {f.name}: {f.reason}" for f in results.drift if not f.passed and f.severity == severity]
    slices = [f"slice {f.name}: {f.reason}" for f in results.slices if not f.passed and f.severity == severity]
    history = [f"{f.name}: {f.reason}" for f in results.history if not f.passed and f.severity == severity]
    return drift + slices + history


def _where(check: CheckOutcome) -> str:
    return f"column {check.column}" if check.column else "the dataset"


def _pct(share: float) -> str:
    return f"{share * 100:.2f}%"
