"""A slice's measurements against its thresholds: pure, no engine."""

from __future__ import annotations

from dataguard.measure.slices.results import Measurement, SliceResult
from dataguard.spec.slices import (
    LOWER_IS_BETTER,
    SliceTest,
)

# -- judging: pure ---------------------------------------------------------------------------


def judge(test: SliceTest, current: Measurement, reference: Measurement | None) -> SliceResult:
    """Pass or fail one slice test on its measurement (and its reference's), with the reason in words."""
    usable = reference if reference is not None and not reference.skipped and reference.value is not None else None
    ref_value = usable.value if usable is not None else None
    change = current.value - ref_value if current.value is not None and ref_value is not None else None
    too_small = not current.skipped and current.rows < test.min_rows
    inconclusive = not too_small and _straddles(current.interval, test)
    if current.skipped:
        failures = [f"not evaluated: {test.metric} needs predictions and {current.undefined}"]
    elif too_small:
        failures = [
            f"only {current.rows:,} rows, below min_rows {test.min_rows:,}: "
            "too small for its threshold to mean anything"
        ]
    else:
        failures = _threshold_failures(test, current, usable, change)
    notes = [*failures, *_notes(test, current, usable, inconclusive)]
    return SliceResult(
        name=test.name,
        metric=test.metric,
        value=current.value,
        rows=current.rows,
        passed=current.skipped or (not test.too_small_fails if too_small else not failures),
        severity=test.severity,
        threshold={"min": test.min, "max": test.max, "max_drop": test.max_drop},
        interval=current.interval,
        too_small=too_small,
        reference_value=ref_value,
        change=change,
        reason="; ".join(notes) or None,
        slice_rows=current.slice_rows,
        inconclusive=inconclusive,
        skipped=current.skipped,
        where=test.where,
    )


def _threshold_failures(
    test: SliceTest, current: Measurement, reference: Measurement | None, change: float | None
) -> list[str]:
    value = current.value
    if value is None:
        return [f"{test.metric} is undefined on this slice: {current.undefined}"]
    failures = []
    if test.min is not None and value < test.min:
        failures.append(f"{test.metric} {_fmt(value)} is below the minimum {_fmt(test.min)}")
    if test.max is not None and value > test.max:
        failures.append(f"{test.metric} {_fmt(value)} is above the maximum {_fmt(test.max)}")
    if test.max_drop is not None and change is not None and reference is not None and reference.rows >= test.min_rows:
        worse = change if test.metric in LOWER_IS_BETTER else -change
        if worse > test.max_drop:
            assert reference.value is not None
            failures.append(
                f"{test.metric} {_fmt(value)} is {_fmt(worse)} worse than the reference's {_fmt(reference.value)}, "
                f"more than the {_fmt(test.max_drop)} allowed"
            )
    return failures


def _notes(test: SliceTest, current: Measurement, reference: Measurement | None, inconclusive: bool) -> list[str]:
    notes = []
    if inconclusive and current.interval is not None:
        low, high = current.interval
        notes.append(
            f"inconclusive: the 95% interval [{_fmt(low)}, {_fmt(high)}] on {current.rows:,} rows holds the threshold"
        )
    if test.max_drop is not None and not current.skipped:
        if reference is None:
            notes.append("max_drop not checked: no reference value for this slice")
        elif reference.rows < test.min_rows:
            notes.append(f"max_drop not checked: the reference slice has only {reference.rows:,} rows")
    return notes


def _straddles(interval: tuple[float, float] | None, test: SliceTest) -> bool:
    if interval is None:
        return False
    low, high = interval
    return any(bound is not None and low < bound < high for bound in (test.min, test.max))


def _fmt(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() and abs(number) >= 1 else f"{number:.4g}"
