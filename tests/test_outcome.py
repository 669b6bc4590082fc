"""The one vocabulary of outcomes and severities: each member is its old spelling; ``worst`` ranks them."""

from __future__ import annotations

import json

import pytest

from dataguard.spec.outcome import Outcome, Severity, rank, worst


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        pytest.param([], Severity.NONE, id="nothing-found"),
        pytest.param(["none", "none"], Severity.NONE, id="all-quiet"),
        pytest.param(["none", "warn", "none"], Severity.WARN, id="one-warns"),
        pytest.param(["warn", "block", "none"], Severity.BLOCK, id="block-beats-warn"),
        pytest.param(["quarantine", "none"], Severity.QUARANTINE, id="quarantine-beats-none"),
        pytest.param(["quarantine", "warn"], Severity.WARN, id="warn-beats-quarantine"),
        pytest.param([Severity.BLOCK, "warn"], Severity.BLOCK, id="members-and-spellings-mix"),
    ],
)
def test_worst_severity(found: list[str], expected: Severity) -> None:
    result = worst(found, Severity.NONE)
    assert (result, type(result)) == (expected, Severity)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        pytest.param([], Outcome.PASS, id="nothing-found"),
        pytest.param(["PASS", "WARN"], Outcome.WARN, id="warn-beats-pass"),
        pytest.param(["WARN", "FAIL", "PASS"], Outcome.FAIL, id="fail-beats-all"),
    ],
)
def test_worst_outcome(found: list[str], expected: Outcome) -> None:
    result = worst(found, Outcome.PASS)
    assert (result, type(result)) == (expected, Outcome)


def test_worst_refuses_a_word_outside_the_vocabulary() -> None:
    with pytest.raises(ValueError, match="'severe' is not a valid Severity"):
        worst(["warn", "severe"], Severity.NONE)


def test_rank_orders_each_vocabulary_mildest_first() -> None:
    assert sorted(["block", "none", "warn", "quarantine"], key=rank) == ["none", "quarantine", "warn", "block"]
    assert sorted(["FAIL", "PASS", "WARN"], key=rank) == ["PASS", "WARN", "FAIL"]


def test_members_are_their_old_spellings_in_text_and_json() -> None:
    assert [Outcome.PASS == "PASS", Severity.BLOCK == "block"] == [True, True]
    assert f"{Outcome.WARN} {Severity.WARN}" == "WARN warn"
    assert json.dumps({"verdict": Outcome.FAIL, "severity": Severity.QUARANTINE}) == (
        '{"verdict": "FAIL", "severity": "quarantine"}'
    )
