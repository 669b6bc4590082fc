"""What a slice test yields: the ``Measurement`` of a metric on one version's slice, and the
``SliceResult`` report.json lists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SliceResult:
    """One slice test on one version: what report.json lists under ``slices``.

    rows: the rows the metric was computed on (see the module docstring);
    slice_rows: all rows matching ``where``. reason: why it failed, or a note
    on a pass (too small, inconclusive, skipped). change: value minus the
    reference's value.
    """

    name: str
    metric: str
    value: float | None
    rows: int
    passed: bool
    severity: str
    threshold: dict[str, float | None]
    interval: tuple[float, float] | None
    too_small: bool
    reference_value: float | None
    change: float | None
    reason: str | None
    slice_rows: int = 0
    inconclusive: bool = False
    skipped: bool = False
    where: str = "TRUE"


@dataclass(frozen=True)
class Measurement:
    """A metric measured on one version's slice; ``undefined`` says why value is None."""

    value: float | None
    rows: int
    slice_rows: int
    interval: tuple[float, float] | None = None
    undefined: str | None = None
    skipped: bool = False
