"""The gate's pure function: results and policy in, verdict out."""

from __future__ import annotations

import pytest

from dataguard.spec.contract import GatePolicy
from dataguard.verdict import CheckOutcome, Results, Verdict, decide

DUP = CheckOutcome("duplicate_key(id)", "id", "duplicate_key", 2)


@pytest.mark.parametrize(
    ("results", "policy", "expected"),
    [
        pytest.param(Results(100, 0), GatePolicy(), Verdict("PASS", (), True), id="clean"),
        pytest.param(
            Results(1000, 3),
            GatePolicy(),
            Verdict("WARN", ("0.30% of rows quarantined (3 of 1,000)",), True),
            id="some-quarantined",
        ),
        pytest.param(
            Results(1000, 50),
            GatePolicy(),
            Verdict("WARN", ("5.00% of rows quarantined (50 of 1,000)",), True),
            id="at-the-limit-is-not-above-it",
        ),
        pytest.param(
            Results(1000, 51),
            GatePolicy(),
            Verdict("FAIL", ("5.10% of rows quarantined (51 of 1,000), above the 5.00% allowed",), False),
            id="above-the-limit",
        ),
        pytest.param(
            Results(0, 0), GatePolicy(), Verdict("FAIL", ("the version is empty (0 rows)",), False), id="empty"
        ),
        pytest.param(
            Results(10, 0, structural=("column x is missing",)),
            GatePolicy(),
            Verdict("FAIL", ("structural: column x is missing",), False),
            id="structural",
        ),
        pytest.param(Results(1000, 3), GatePolicy(warn_on_quarantine=False), Verdict("PASS", (), True), id="no-warn"),
        pytest.param(
            Results(1000, 3),
            GatePolicy(warn_blocks=True),
            Verdict("WARN", ("0.30% of rows quarantined (3 of 1,000)",), False),
            id="warn-blocks",
        ),
        pytest.param(
            Results(1000, 2, checks=(DUP,)),
            GatePolicy(block_checks=("duplicate_key",)),
            Verdict("FAIL", ("blocking check duplicate_key(id) failed on column id: 2 rows",), False),
            id="blocking-check",
        ),
        pytest.param(
            Results(1000, 2, checks=(DUP,)),
            GatePolicy(),
            Verdict("WARN", ("0.20% of rows quarantined (2 of 1,000)",), True),
            id="same-check-not-blocking",
        ),
        pytest.param(
            Results(1000, 0, checks=(CheckOutcome("duplicate_key(id)", "id", "duplicate_key", 0),)),
            GatePolicy(block_checks=("duplicate_key",)),
            Verdict("PASS", (), True),
            id="blocking-check-passed",
        ),
    ],
)
def test_decide(results: Results, policy: GatePolicy, expected: Verdict) -> None:
    assert decide(results, policy) == expected


def test_every_failure_reason_is_listed() -> None:
    results = Results(100, 60, checks=(CheckOutcome("duplicate_key(id)", "id", "duplicate_key", 4),))
    verdict = decide(results, GatePolicy(block_checks=("duplicate_key",)))
    assert verdict.reasons == (
        "60.00% of rows quarantined (60 of 100), above the 5.00% allowed",
        "blocking check duplicate_key(id) failed on column id: 4 rows",
    )


def test_failed_slices_and_drift_fail_or_warn_by_severity() -> None:
    from dataguard.verdict import Finding

    results = Results(
        1000,
        0,
        slices=(
            Finding("recall_jfk", False, "block", "recall 0.41 below the minimum 0.55"),
            Finding("night_share", False, "warn", "share 0.02 below the minimum 0.05"),
            Finding("auc_all", True, "block", "passed"),
        ),
        drift=(Finding("dep_delay", False, "warn", "psi 0.31 above 0.25"),),
    )
    assert decide(results, GatePolicy()) == Verdict(
        "FAIL", ("slice recall_jfk: recall 0.41 below the minimum 0.55",), False
    )
    warn_only = Results(1000, 0, slices=results.slices[1:], drift=results.drift)
    assert decide(warn_only, GatePolicy()) == Verdict(
        "WARN",
        ("drift in dep_delay: psi 0.31 above 0.25", "slice night_share: share 0.02 below the minimum 0.05"),
        True,
    )
