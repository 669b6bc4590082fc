"""Drift from stored sketches: equal to scipy (and to the scanning path) while both sides keep every
value, within the stated bound above the limit (lowered here so small data takes that path), and a
revision's sketch (run sketch + released rows) equal to a sketch of its rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from dataguard.measure import profile as profile_module
from dataguard.measure.drift.compare import compare
from dataguard.measure.drift.results import DriftOutcome, DriftResult
from dataguard.measure.drift.sketched import compare_sketches
from dataguard.measure.profile import profile
from dataguard.measure.sketch import model
from dataguard.measure.sketch.merge import merge, sketch_of
from dataguard.measure.sketch.model import Sketch, read_sketch
from dataguard.spec.drift import ColumnDrift, DriftSettings
from tests.test_drift import version, write

SETTINGS = DriftSettings(columns=(ColumnDrift("code", kind="categorical"),))


def sketched(path: Path) -> Sketch:
    out = path.with_suffix(".sketch.parquet")
    profile(path, sketch_to=out)
    found = read_sketch(out)
    assert found is not None
    return found


def result(outcome: DriftOutcome, column: str, metric: str) -> DriftResult:
    return next(r for r in outcome.results if r.column == column and r.metric == metric)


def finite(path: Path, column: str) -> np.ndarray:
    array = pq.read_table(path, columns=[column]).column(column).drop_null().to_numpy().astype(float)
    return array[np.isfinite(array)]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rng = np.random.default_rng(5_000)
    folder = tmp_path_factory.mktemp("sketch")
    return write(folder / "current.parquet", version(rng, 6_000, 0.1)), write(
        folder / "reference.parquet", version(rng, 5_000, 0.0)
    )


def test_below_the_limit_every_figure_equals_the_scanning_path_and_scipy(pair: tuple[Path, Path]) -> None:
    current, reference = pair
    got = compare_sketches(sketched(current), sketched(reference), SETTINGS)
    assert got is not None
    scanned = compare(current, reference, SETTINGS)
    assert [(r.column, r.metric) for r in got.results] == [(r.column, r.metric) for r in scanned.results]
    for mine, theirs in zip(got.results, scanned.results, strict=True):
        assert mine.statistic == pytest.approx(theirs.statistic, abs=1e-12), (mine.column, mine.metric)
        assert (mine.p_value is None) == (theirs.p_value is None)
        if mine.p_value is not None:
            assert mine.p_value == pytest.approx(theirs.p_value, abs=1e-12), (mine.column, mine.metric)
        assert (mine.drifted, mine.severity) == (theirs.drifted, theirs.severity)
    for column in ("x", "ties", "spiky", "with_nan"):
        ref, cur = finite(reference, column), finite(current, column)
        ks = result(got, column, "ks")
        assert ks.statistic == pytest.approx(ks_2samp(ref, cur).statistic, abs=1e-12)
        assert ks.detail["error_bound"] == 0.0
        assert ks.detail["method"] == "exact"
        w = result(got, column, "wasserstein")
        assert w.statistic == pytest.approx(wasserstein_distance(ref, cur), abs=1e-9)
        assert w.detail["error_bound"] == 0.0


@pytest.mark.parametrize("cells", [64, 1_024, 65_536])
def test_above_the_limit_ks_and_wasserstein_are_within_their_bound(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, cells: int
) -> None:
    monkeypatch.setattr(model, "EXACT_MAX_VALUES", 1_000)
    monkeypatch.setattr(model, "SKETCH_CELLS", cells)
    current, reference = pair
    got = compare_sketches(sketched(current), sketched(reference), SETTINGS)
    assert got is not None
    for column in ("x", "spiky", "with_nan"):
        ref, cur = finite(reference, column), finite(current, column)
        ks, w = result(got, column, "ks"), result(got, column, "wasserstein")
        if cells == 65_536:  # at most that many distinct values: every value is counted, at any size
            assert max(len(np.unique(ref)), len(np.unique(cur))) < cells
            assert (ks.detail["method"], ks.detail["error_bound"], w.detail["error_bound"]) == ("exact", 0.0, 0.0)
            assert ks.statistic == pytest.approx(ks_2samp(ref, cur).statistic, abs=1e-12)
            assert w.statistic == pytest.approx(wasserstein_distance(ref, cur), abs=1e-9)
            continue
        assert ks.detail["method"] == "binned"
        assert abs(ks.statistic - ks_2samp(ref, cur).statistic) <= ks.detail["error_bound"] + 1e-12
        assert abs(w.statistic - wasserstein_distance(ref, cur)) <= w.detail["error_bound"] + 1e-9
    # integers keep exact cells (one value each): their categories and KS stay exact
    assert result(got, "ties", "ks").detail["error_bound"] == 0.0
    scanned = compare(current, reference, SETTINGS)
    assert result(got, "code", "chi2").statistic == pytest.approx(result(scanned, "code", "chi2").statistic, abs=1e-9)


def test_a_revision_sketch_is_the_run_sketch_plus_the_released_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 4_000
    table = pa.table(
        {
            "_row_id": pa.array(np.arange(n, dtype=np.int64)),
            "x": pa.array(rng.normal(0, 1, n), mask=rng.random(n) < 0.1),
            "k": pa.array(rng.integers(0, 7, n)),
            "c": pa.array(rng.choice(["a", "b", "c"], n)),
        }
    )
    released = np.sort(rng.choice(n, 300, replace=False))
    keep = np.ones(n, bool)
    keep[released] = False
    clean = write(tmp_path / "clean.parquet", dict(zip(table.column_names, table.filter(keep).columns, strict=True)))
    everything = write(tmp_path / "all.parquet", dict(zip(table.column_names, table.columns, strict=True)))
    part = table.filter(~keep)
    rel = tmp_path / "released.parquet"
    pq.write_table(part, rel)
    merged = merge(sketched(clean), sketch_of(f"read_parquet('{rel}')", sketched(clean).step))
    whole = sketched(everything)
    assert merged.rows == whole.rows == n
    for name in ("x", "k", "c"):
        a, b = merged.columns[name], whole.columns[name]
        assert a.stats is not None
        assert b.stats is not None
        assert (a.stats.rows, a.stats.nulls, a.stats.values) == (b.stats.rows, b.stats.nulls, b.stats.values)
        assert a.stats.min == b.stats.min
        assert a.stats.max == b.stats.max
        if a.stats.mean is not None:
            assert a.stats.mean == pytest.approx(b.stats.mean, rel=1e-12)
            assert a.stats.std == pytest.approx(b.stats.std, rel=1e-12)
        if a.cells is not None:
            assert b.cells is not None
            assert a.cells.lo.tolist() == b.cells.lo.tolist()
            assert a.cells.counts.tolist() == b.cells.counts.tolist()
        assert a.categories == b.categories


def test_a_text_column_with_too_many_categories_is_skipped_not_a_reason_to_rescan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "CATEGORY_MAX", 10)  # the sketch keeps no counts above 10 categories
    rng = np.random.default_rng(3)
    columns = {"x": rng.normal(0, 1, 500), "name": [f"n{i}" for i in rng.integers(0, 200, 500)]}
    current, reference = write(tmp_path / "c.parquet", columns), write(tmp_path / "r.parquet", columns)
    got = compare_sketches(sketched(current), sketched(reference), DriftSettings(max_categories=20))
    assert got is not None
    assert [s.column for s in got.skipped] == ["name"]
    assert result(got, "x", "ks").statistic == 0.0


def test_a_temporal_column_has_its_counts_and_moments_from_the_profile_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(31)
    n = 5_000
    seconds = rng.integers(1_600_000_000, 1_700_000_000, n)
    missing = rng.random(n) < 0.1
    path = tmp_path / "times.parquet"
    pq.write_table(pa.table({"at": pa.array(seconds * 1_000_000, pa.timestamp("us", tz="UTC"), mask=missing)}), path)
    stats = sketched(path).columns["at"].stats
    assert stats is not None
    kept = seconds[~missing].astype(np.float64)
    assert (stats.rows, stats.nulls, stats.values, stats.non_finite) == (n, int(missing.sum()), len(kept), 0)
    assert (stats.min, stats.max) == (kept.min(), kept.max())
    assert stats.mean == pytest.approx(kept.mean(), rel=1e-12)
    assert stats.std == pytest.approx(kept.std(ddof=1), rel=1e-9)


def test_a_sketch_reads_back_as_it_was_written(tmp_path: Path) -> None:
    from dataguard.measure.drift.scan import SideStats
    from dataguard.measure.sketch.model import Cells, ColumnSketch, write_sketch

    exact = Cells(np.array([1.0, 2.0, 5.0]), np.array([1.0, 2.0, 5.0]), np.array([3, 1, 2]))
    binned = Cells(np.array([0.0, 0.5]), np.array([0.25, 0.75]), np.array([4, 2]))
    stats = SideStats(rows=6, nulls=0, values=6, mean=2.5, std=1.5, min=1.0, max=5.0)
    written = Sketch(
        6,
        2,
        {
            "k": ColumnSketch("k", "BIGINT", stats, exact, np.array([1.0, 2.0, 5.0])),
            "x": ColumnSketch("x", "DOUBLE", stats, binned, np.array([0.0, 0.75])),
            "c": ColumnSketch("c", "VARCHAR", SideStats(rows=6, nulls=1, values=5), categories={"a": 4, "b": 1},
                              sampled_distinct=2),
        },
    )  # fmt: skip
    found = read_sketch(write_sketch(written, tmp_path / "sketch.parquet"))
    assert found is not None
    assert (found.rows, found.step, list(found.columns)) == (6, 2, ["k", "x", "c"])
    for name, column in written.columns.items():
        back = found.columns[name]
        assert (back.sql_type, back.stats, back.categories, back.sampled_distinct) == (
            column.sql_type, column.stats, column.categories, column.sampled_distinct
        )  # fmt: skip
        if column.cells is None:
            assert (back.cells, back.sample) == (None, None)
            continue
        assert back.cells is not None
        assert back.sample is not None
        assert back.cells.lo.tolist() == column.cells.lo.tolist()
        assert back.cells.hi.tolist() == column.cells.hi.tolist()
        assert back.cells.counts.tolist() == column.cells.counts.tolist()
        assert back.sample.tolist() == (column.sample.tolist() if column.sample is not None else None)
    assert (found.columns["k"].cells.exact, found.columns["x"].cells.exact) == (True, False)  # type: ignore[union-attr]


def test_a_column_drift_never_compares_is_sketched_without_cells(tmp_path: Path) -> None:
    from dataguard.measure.drift.policy import never_compared

    assert never_compared(DriftSettings(exclude=["z"]), keys=("id",)) == {"id", "z"}
    assert never_compared(DriftSettings(columns=[ColumnDrift("id")]), keys=("id",)) == set()
    assert never_compared(DriftSettings(), keys=("id", "x")) == set()  # each part of a composite key is a feature
    rng = np.random.default_rng(3)
    paths = []
    for name, shift in (("reference", 0.0), ("current", 0.5)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"id": pa.array(np.arange(3_000)), "x": pa.array(rng.normal(shift, 1.0, 3_000))}), path)
        out = path.with_suffix(".sketch.parquet")
        profile(path, sketch_to=out, uncelled=never_compared(DriftSettings(), keys=("id",)))
        found = read_sketch(out)
        assert found is not None
        assert (found.columns["id"].cells, found.columns["x"].cells is not None) == (None, True)
        assert found.columns["id"].sample is not None
        paths.append((path, found))
    (reference, ref_sketch), (current, cur_sketch) = paths
    got = compare_sketches(cur_sketch, ref_sketch, DriftSettings(), keys=("id",))
    assert got is not None
    scanned = compare(current, reference, DriftSettings(), keys=("id",))
    assert [(r.column, r.metric, r.statistic) for r in got.results] == [
        (r.column, r.metric, pytest.approx(r.statistic, abs=1e-12)) for r in scanned.results
    ]
    # a contract that now compares the key: the sketch cannot serve it, drift reads the rows instead
    assert compare_sketches(cur_sketch, ref_sketch, DriftSettings(columns=[ColumnDrift("id")]), keys=("id",)) is None
