"""Drift figures equal scipy's on the same data; verdicts follow the documented rules.

The data is generated (seeded), written to Parquet with nulls, NaN, ties and
categories present on one side only, and each figure dataguard computes in
DuckDB is compared with scipy (or numpy, for PSI) on the same values.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, ttest_ind, wasserstein_distance

from dataguard.errors import ContractError
from dataguard.measure import profile as profile_module
from dataguard.measure.drift.compare import compare
from dataguard.measure.drift.policy import ColumnPlan, judge, plan_columns
from dataguard.measure.drift.results import DriftOutcome, DriftResult, DriftUnavailable
from dataguard.measure.drift.shares import SHARE_FLOOR
from dataguard.measure.history import profiles_json
from dataguard.measure.profile import PROFILE_QUANTILES, ColumnProfile, profile, profile_from_json
from dataguard.publish.record import stored_profile
from dataguard.spec.drift import BLOCK, NONE, WARN, ColumnDrift, DriftSettings

CATEGORIES_REF = ("a", "b", "c", "d")  # "d" is gone from the current version
CATEGORIES_CUR = ("a", "b", "c", "e")  # "e" is new in it


def write(path: Path, columns: dict[str, Any]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def version(rng: np.random.Generator, n: int, shift: float) -> dict[str, Any]:
    """One version: every kind of column, with nulls; ``shift`` moves the current's distributions."""
    x = rng.normal(shift, 1.0 + shift, n)
    ties = rng.integers(0, 20 + int(shift > 0), n).astype(np.int64)
    spiky = np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2.0, 3.0 + shift, n))
    with_nan = rng.normal(0.0, 1.0, n)
    with_nan[rng.random(n) < 0.05] = np.nan  # NaN is a value in Parquet, not a null
    cats = CATEGORIES_CUR if shift else CATEGORIES_REF
    share = [0.4, 0.3, 0.2, 0.1] if not shift else [0.35, 0.3, 0.2, 0.15]
    return {
        "x": pa.array(x, mask=rng.random(n) < 0.1),
        "ties": pa.array(ties, mask=rng.random(n) < 0.2 + shift / 10),
        "spiky": pa.array(spiky),
        "with_nan": pa.array(with_nan),
        "cat": pa.array(rng.choice(cats, n, p=share), mask=rng.random(n) < 0.05),
        "flag": pa.array(rng.random(n) < 0.5 + shift / 10),
        "code": pa.array(rng.integers(1, 6, n)),
    }


@pytest.fixture(scope="module", params=[(3_000, 2_500), (12_000, 15_000)], ids=["exact-p", "asymp-p"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(current, reference): sizes at most 10,000 give scipy's exact KS p-value, above its asymptotic one."""
    n_ref, n_cur = request.param
    rng = np.random.default_rng(n_ref)
    folder = tmp_path_factory.mktemp(f"drift-{n_ref}")
    return write(folder / "current.parquet", version(rng, n_cur, 0.1)), write(
        folder / "reference.parquet", version(rng, n_ref, 0.0)
    )


SETTINGS = DriftSettings(columns=(ColumnDrift("code", kind="categorical"),))


@pytest.fixture(scope="module")
def outcome(pair: tuple[Path, Path]) -> DriftOutcome:
    return compare(pair[0], pair[1], SETTINGS)


def result(outcome: DriftOutcome, column: str, metric: str) -> DriftResult:
    return next(r for r in outcome.results if r.column == column and r.metric == metric)


def values(path: Path, column: str) -> np.ndarray:
    """The column's non-null, finite values, as scipy should see them."""
    array = pq.read_table(path, columns=[column]).column(column).drop_null().to_numpy()
    return array[np.isfinite(array)] if array.dtype.kind == "f" else array


def counts(path: Path, column: str, categories: list[str]) -> np.ndarray:
    frame = pq.read_table(path, columns=[column]).column(column).drop_null().to_pandas().astype(str)
    return frame.value_counts().reindex(categories, fill_value=0).to_numpy()


NUMERIC = ["x", "ties", "spiky", "with_nan"]
CATEGORICAL = ["cat", "flag", "code"]


# -- numeric figures vs scipy --------------------------------------------------------------------------------


@pytest.mark.parametrize("column", NUMERIC)
def test_ks_equals_scipy_ks_2samp(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    ref, cur = values(reference, column), values(current, column)
    expected = ks_2samp(ref, cur)  # method="auto": exact while both samples have <= 10,000 values
    got = result(outcome, column, "ks")
    assert got.statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert got.p_value == pytest.approx(expected.pvalue, abs=1e-6)
    scipy_method = "exact" if max(ref.size, cur.size) <= 10_000 else "asymp"
    assert got.detail["test"] == f"two-sample Kolmogorov-Smirnov, p-value {scipy_method}"
    assert (got.detail["method"], got.detail["error_bound"]) == ("exact", 0.0)


@pytest.mark.parametrize("column", NUMERIC)
def test_wasserstein_equals_scipy(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    ref, cur = values(reference, column), values(current, column)
    expected = wasserstein_distance(ref, cur)
    assert result(outcome, column, "wasserstein").statistic == pytest.approx(expected, abs=1e-6)
    normalised = result(outcome, column, "wasserstein_norm").statistic
    assert normalised == pytest.approx(expected / np.std(ref, ddof=1), abs=1e-6)


@pytest.mark.parametrize("column", NUMERIC)
def test_moments_and_welch_equal_numpy_and_scipy(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    ref, cur = values(reference, column).astype(float), values(current, column).astype(float)
    shift = result(outcome, column, "mean_shift_sd")
    assert shift.statistic == pytest.approx((cur.mean() - ref.mean()) / ref.std(ddof=1), abs=1e-9)
    assert shift.p_value == pytest.approx(ttest_ind(ref, cur, equal_var=False).pvalue, abs=1e-6)
    ratio = result(outcome, column, "std_ratio").statistic
    assert ratio == pytest.approx(cur.std(ddof=1) / ref.std(ddof=1), abs=1e-9)


def psi_by_hand(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    p = np.maximum(ref_counts / ref_counts.sum(), SHARE_FLOOR)
    q = np.maximum(cur_counts / cur_counts.sum(), SHARE_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


@pytest.mark.parametrize("column", NUMERIC)
def test_numeric_psi_equals_numpy_on_reference_deciles(
    outcome: DriftOutcome, pair: tuple[Path, Path], column: str
) -> None:
    current, reference = pair
    ref, cur = values(reference, column), values(current, column)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10, method="inverted_cdf"))
    bins_ref = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=edges.size + 1)
    bins_cur = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=edges.size + 1)
    got = result(outcome, column, "psi")
    assert got.detail["edges"] == pytest.approx(edges.tolist(), abs=0)
    assert got.statistic == pytest.approx(psi_by_hand(bins_ref, bins_cur), abs=1e-9)
    both = (bins_ref + bins_cur) > 0
    assert got.p_value == pytest.approx(chi2_contingency([bins_ref[both], bins_cur[both]]).pvalue, abs=1e-6)


# -- categorical figures vs scipy ----------------------------------------------------------------------------


def categories(current: Path, reference: Path, column: str) -> list[str]:
    seen: set[str] = set()
    for path in (reference, current):
        seen |= set(pq.read_table(path, columns=[column]).column(column).drop_null().to_pandas().astype(str))
    return sorted(seen)


def to_text(column: str, labels: list[str]) -> list[str]:
    """DuckDB's text of a value: booleans as 'true' / 'false'."""
    return [label.lower() for label in labels] if column == "flag" else labels


@pytest.mark.parametrize("column", CATEGORICAL)
def test_chi2_equals_scipy_chi2_contingency(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    labels = categories(current, reference, column)
    table = [counts(reference, column, labels), counts(current, column, labels)]
    expected = chi2_contingency(table)  # Yates' correction for the boolean's one degree of freedom
    got = result(outcome, column, "chi2")
    assert got.statistic == pytest.approx(expected.statistic, abs=1e-6)
    assert got.p_value == pytest.approx(expected.pvalue, abs=1e-6)
    assert got.detail["dof"] == expected.dof


@pytest.mark.parametrize("column", CATEGORICAL)
def test_js_distance_and_psi_equal_scipy_and_numpy(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    labels = categories(current, reference, column)
    ref, cur = counts(reference, column, labels), counts(current, column, labels)
    js = jensenshannon(ref / ref.sum(), cur / cur.sum(), base=2)
    assert result(outcome, column, "js_distance").statistic == pytest.approx(js, abs=1e-6)
    assert result(outcome, column, "psi").statistic == pytest.approx(psi_by_hand(ref, cur), abs=1e-9)
    change = np.abs(cur / cur.sum() - ref / ref.sum())
    top = result(outcome, column, "category_share_change")
    assert top.statistic == pytest.approx(change.max(), abs=1e-12)
    assert top.detail["category"] == to_text(column, labels)[int(change.argmax())]


def test_new_and_gone_categories_with_their_shares(outcome: DriftOutcome, pair: tuple[Path, Path]) -> None:
    current, reference = pair
    cur = values(current, "cat")
    ref = values(reference, "cat")
    new, gone = result(outcome, "cat", "new_category_share"), result(outcome, "cat", "gone_category_share")
    assert new.statistic == pytest.approx(np.mean(cur == "e"), abs=1e-12)
    assert new.detail["categories"] == [
        {"category": "e", "current_share": pytest.approx(np.mean(cur == "e")), "current_rows": int(np.sum(cur == "e"))}
    ]
    assert gone.statistic == pytest.approx(np.mean(ref == "d"), abs=1e-12)
    assert [c["category"] for c in gone.detail["categories"]] == ["d"]


@pytest.mark.parametrize("column", [*NUMERIC, *CATEGORICAL])
def test_null_rate_change_and_its_test(outcome: DriftOutcome, pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    rates = []
    table = []
    for path in (reference, current):
        array = pq.read_table(path, columns=[column]).column(column)
        rates.append(array.null_count / len(array))
        table.append([array.null_count, len(array) - array.null_count])
    got = result(outcome, column, "null_rate_change")
    assert got.statistic == pytest.approx(rates[1] - rates[0], abs=1e-12)
    if any(row[0] for row in table):
        assert got.p_value == pytest.approx(chi2_contingency(table, correction=False).pvalue, abs=1e-6)
    else:
        assert got.p_value == 1.0


def test_nan_is_left_out_of_the_figures_and_counted(outcome: DriftOutcome, pair: tuple[Path, Path]) -> None:
    _, reference = pair
    nulls = result(outcome, "with_nan", "null_rate_change")
    raw = pq.read_table(reference, columns=["with_nan"]).column("with_nan").to_numpy()
    assert nulls.detail["reference_non_finite"] == int(np.isnan(raw).sum())
    assert nulls.statistic == 0.0  # NaN is not null


def test_row_count_change(outcome: DriftOutcome, pair: tuple[Path, Path]) -> None:
    rows = [pq.ParquetFile(p).metadata.num_rows for p in pair]
    change = outcome.row_count_change
    assert (change.column, change.kind, change.statistic) == (None, "dataset", (rows[0] - rows[1]) / rows[1])


# -- exact at any grid, binned within its bound --------------------------------------------------------------


@pytest.mark.parametrize("cells", [10, 40, 1_000, 262_144])
def test_exact_figures_do_not_depend_on_the_grid(pair: tuple[Path, Path], cells: int) -> None:
    """Coarse grids refine more rows, fine ones fewer; the figures are the same exact values."""
    current, reference = pair
    got = compare(current, reference, DriftSettings(grid_cells=cells, declared_only=True, columns=[ColumnDrift("x")]))
    ref, cur = values(reference, "x"), values(current, "x")
    assert result(got, "x", "ks").statistic == pytest.approx(ks_2samp(ref, cur).statistic, abs=1e-9)
    assert result(got, "x", "wasserstein").statistic == pytest.approx(wasserstein_distance(ref, cur), abs=1e-6)


@pytest.mark.parametrize("column", NUMERIC)
def test_above_exact_ks_max_rows_figures_are_binned_within_their_bound(pair: tuple[Path, Path], column: str) -> None:
    current, reference = pair
    settings = DriftSettings(exact_ks_max_rows=0, grid_cells=64, declared_only=True, columns=[ColumnDrift(column)])
    got = compare(current, reference, settings)
    ref, cur = values(reference, column), values(current, column)
    for metric, exact in (("ks", ks_2samp(ref, cur).statistic), ("wasserstein", wasserstein_distance(ref, cur))):
        binned = result(got, column, metric)
        assert binned.detail["method"] == "binned"
        assert binned.statistic - 1e-12 <= exact <= binned.statistic + binned.detail["error_bound"] + 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ref=st.lists(st.integers(-3, 3) | st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60),
    cur=st.lists(st.integers(-3, 3) | st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60),
    cells=st.sampled_from([10, 30, 262_144]),
)
def test_ks_and_wasserstein_equal_scipy_for_any_small_samples(
    tmp_path: Path, ref: list[float], cur: list[float], cells: int
) -> None:
    reference = write(tmp_path / "r.parquet", {"v": pa.array(ref, pa.float64())})
    current = write(tmp_path / "c.parquet", {"v": pa.array(cur, pa.float64())})
    got = compare(current, reference, DriftSettings(grid_cells=cells))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
        expected = ks_2samp(ref, cur)  # scipy falls back to asymp for some tie patterns; so does dataguard
    assert result(got, "v", "ks").statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert result(got, "v", "ks").p_value == pytest.approx(expected.pvalue, abs=1e-6)
    assert result(got, "v", "wasserstein").statistic == pytest.approx(wasserstein_distance(ref, cur), abs=1e-6)


# -- edge cases: never a silent pass -------------------------------------------------------------------------


def test_a_reference_with_zero_rows_raises(tmp_path: Path) -> None:
    current = write(tmp_path / "c.parquet", {"v": pa.array([1.0, 2.0])})
    empty = write(tmp_path / "r.parquet", {"v": pa.array([], pa.float64())})
    with pytest.raises(DriftUnavailable, match=r"the reference has 0 rows \(.*r\.parquet\)"):
        compare(current, empty)
    with pytest.raises(DriftUnavailable, match="the current version has 0 rows"):
        compare(empty, current)


def test_a_column_without_values_on_one_side_gets_its_null_rate_only(tmp_path: Path) -> None:
    reference = write(tmp_path / "r.parquet", {"v": pa.array([None, None], pa.float64())})
    current = write(tmp_path / "c.parquet", {"v": pa.array([1.0, None, 3.0])})
    got = compare(current, reference)
    assert [r.metric for r in got.results if r.column == "v"] == ["null_rate_change"]
    assert got.columns[0].notes == ("no values to compare in the reference: null rate only",)
    assert result(got, "v", "null_rate_change").statistic == pytest.approx(1 / 3 - 1)


def test_constant_columns(tmp_path: Path) -> None:
    """A constant reference normalises by the pooled spread; two equal constants show no drift."""
    reference = write(tmp_path / "r.parquet", {"same": pa.array([7] * 50), "moved": pa.array([1] * 50)})
    current = write(tmp_path / "c.parquet", {"same": pa.array([7] * 40), "moved": pa.array([2] * 40)})
    got = compare(current, reference)
    assert {r.metric: r.statistic for r in got.results if r.column == "same"} == {
        "null_rate_change": 0.0,
        "ks": 0.0,
        "wasserstein": 0.0,
        "wasserstein_norm": 0.0,
        "mean_shift_sd": 0.0,
        "psi": 0.0,
    }
    pooled = np.std([1] * 50 + [2] * 40, ddof=1)
    assert result(got, "moved", "mean_shift_sd").statistic == pytest.approx(1 / pooled)
    assert result(got, "moved", "mean_shift_sd").p_value == 0.0
    assert result(got, "moved", "ks").statistic == 1.0


def test_identical_versions_show_no_drift(pair: tuple[Path, Path]) -> None:
    _, reference = pair
    got = compare(reference, reference, SETTINGS)
    assert got.severity == NONE
    assert got.reasons == ()
    zero = {"ks", "wasserstein", "wasserstein_norm", "mean_shift_sd", "psi", "js_distance", "chi2"}
    assert all(r.statistic == 0.0 for r in got.results if r.metric in zero)


# -- verdicts ------------------------------------------------------------------------------------------------


def plan(severity: str = WARN, **thresholds: float | None) -> ColumnPlan:
    settings = DriftSettings(thresholds=thresholds)
    return ColumnPlan("c", "numeric", "DOUBLE", True, severity, settings.thresholds, settings.block_thresholds)


@pytest.mark.parametrize(
    ("statistic", "p_value", "severity", "expected"),
    [
        (0.04, 1e-30, WARN, (False, NONE)),  # tiny p-value, effect below the threshold: big data, no drift
        (0.20, 0.01, WARN, (False, NONE)),  # a large effect that noise explains: small data, no drift
        (0.20, None, WARN, (False, NONE)),  # no p-value (fewer than two values): not judged
        (0.06, 1e-6, WARN, (True, WARN)),
        (-0.06, 1e-6, WARN, (True, WARN)),  # a shift down counts as much as a shift up
        (0.20, 1e-6, BLOCK, (True, WARN)),  # a blocking column warns below the block threshold
        (0.30, 1e-6, BLOCK, (True, BLOCK)),
        (0.30, 1e-6, WARN, (True, WARN)),
    ],
)
def test_judge_mean_shift(statistic: float, p_value: float | None, severity: str, expected: tuple[bool, str]) -> None:
    drifted, got, threshold = judge("mean_shift_sd", statistic, p_value, plan(severity), 1e-4)
    assert ((drifted, got), threshold) == (expected, 0.05)


def test_metrics_without_a_threshold_are_reported_only() -> None:
    assert judge("ks", 0.9, 0.0, plan(), 1e-4) == (False, NONE, None)
    assert judge("psi", 5.0, 0.0, plan(psi=None), 1e-4) == (False, NONE, None)
    assert judge("ks", 0.2, 0.0, plan(ks=0.1), 1e-4) == (True, WARN, 0.1)


def test_std_ratio_is_judged_both_ways() -> None:
    assert judge("std_ratio", 1.3, None, plan(std_ratio=0.25), 1e-4)[0]
    assert judge("std_ratio", 1 / 1.3, None, plan(std_ratio=0.25), 1e-4)[0]
    assert not judge("std_ratio", 1.2, None, plan(std_ratio=0.25), 1e-4)[0]


def test_a_blocking_column_blocks_and_explains_itself(pair: tuple[Path, Path]) -> None:
    current, reference = pair
    settings = DriftSettings(columns=[ColumnDrift("cat", severity=BLOCK)], declared_only=True)
    got = compare(current, reference, settings)
    summary = got.columns[0]
    assert (summary.column, summary.severity) == ("cat", BLOCK)
    assert summary.drifted_metrics == (
        "psi",
        "js_distance",
        "category_share_change",
        "new_category_share",
        "gone_category_share",
    )
    assert got.severity == BLOCK
    assert got.reasons[0].startswith("drift (block) in column cat: psi ")
    top = summary.contributors[0]
    assert top["category"] in ("d", "e")  # the categories on one side only move the PSI most
    assert {"reference_share", "current_share", "contribution"} <= set(top)


# -- settings and planning -----------------------------------------------------------------------------------


def test_unknown_metric_in_thresholds_is_a_contract_error_with_a_suggestion() -> None:
    with pytest.raises(ContractError, match="unknown metric 'psii'") as caught:
        DriftSettings(thresholds={"psii": 0.2})
    assert caught.value.hint is not None
    assert "did you mean 'psi'?" in caught.value.hint


@pytest.mark.parametrize(
    "build",
    [
        lambda: DriftSettings(severity="fail"),
        lambda: DriftSettings(psi_bins=1),
        lambda: DriftSettings(thresholds={"psi": -1}),
        lambda: ColumnDrift("c", kind="text"),
        lambda: DriftSettings(columns=[ColumnDrift("c"), ColumnDrift("c")]),
    ],
)
def test_bad_settings_are_contract_errors(build: Any) -> None:
    with pytest.raises(ContractError):
        build()


def test_thresholds_merge_over_the_defaults() -> None:
    settings = DriftSettings(thresholds={"psi": 0.2})
    assert settings.thresholds["psi"] == 0.2
    assert settings.thresholds["mean_shift_sd"] == 0.05


def test_plan_columns_kinds_and_skips() -> None:
    current = {
        "_row_id": "BIGINT",
        "n": "BIGINT",
        "f": "DOUBLE",
        "s": "VARCHAR",
        "b": "BOOLEAN",
        "t": "TIMESTAMP WITH TIME ZONE",
        "d": "DATE",
        "new": "DOUBLE",
        "changed": "VARCHAR",
        "dropped": "DOUBLE",
    }
    reference = {**current, "changed": "DOUBLE"}
    del reference["new"]
    settings = DriftSettings(
        columns=[ColumnDrift("n", kind="categorical", severity=BLOCK), ColumnDrift("d", kind="numeric")],
        exclude=["dropped"],
    )
    plans, skipped = plan_columns(current, reference, settings)
    assert [(p.column, p.kind, p.auto, p.severity) for p in plans] == [
        ("n", "categorical", False, BLOCK),
        ("f", "numeric", True, WARN),
        ("s", "categorical", True, WARN),
        ("b", "categorical", True, WARN),
        ("d", "numeric", False, WARN),
    ]
    assert [(s.column, s.reason.split(" (")[0]) for s in skipped] == [
        ("t", "type TIMESTAMP WITH TIME ZONE is not compared by kind 'auto'"),
        ("new", "not in the reference version"),
        ("changed", "type changed from DOUBLE to VARCHAR"),
    ]


def test_high_cardinality_text_is_skipped_unless_declared(tmp_path: Path) -> None:
    ids = [f"id-{i}" for i in range(50)]
    reference = write(tmp_path / "r.parquet", {"id": pa.array(ids)})
    current = write(tmp_path / "c.parquet", {"id": pa.array(ids[::-1])})
    auto = compare(current, reference, DriftSettings(max_categories=10))
    assert [s.column for s in auto.skipped] == ["id"]
    assert "above max_categories=10" in auto.skipped[0].reason
    declared = compare(current, reference, DriftSettings(max_categories=10, columns=[ColumnDrift("id", "categorical")]))
    assert result(declared, "id", "chi2").statistic == 0.0


def test_a_single_key_is_an_identifier_skipped_unless_declared(tmp_path: Path) -> None:
    types = {"_row_id": "BIGINT", "id": "BIGINT", "x": "DOUBLE"}
    plans, skipped = plan_columns(types, types, DriftSettings(), keys=("id",))
    assert [p.column for p in plans] == ["x"]
    assert [(s.column, s.reason) for s in skipped] == [
        ("id", "the contract's key: an identifier, not a feature; declare ColumnDrift('id') to compare it anyway")
    ]
    composite, _ = plan_columns(types, types, DriftSettings(), keys=("id", "x"))
    assert [p.column for p in composite] == ["id", "x"]  # each part of a composite key is a feature
    declared, none_skipped = plan_columns(types, types, DriftSettings(columns=[ColumnDrift("id")]), keys=("id",))
    assert ([p.column for p in declared], none_skipped) == (["id", "x"], ())

    reference = write(tmp_path / "r.parquet", {"id": pa.array(range(100)), "x": pa.array([1.0] * 100)})
    current = write(tmp_path / "c.parquet", {"id": pa.array(range(100, 200)), "x": pa.array([1.0] * 100)})
    got = compare(current, reference, keys=("id",))
    assert [s.column for s in got.skipped] == ["id"]
    assert {r.column for r in got.results} == {None, "x"}


def test_timestamps_declared_numeric_compare_as_epoch_seconds(tmp_path: Path) -> None:
    stamps = np.array(["2024-01-01T00:00", "2024-01-02T00:00", "2024-01-03T00:00"], dtype="datetime64[us]")
    reference = write(tmp_path / "r.parquet", {"t": pa.array(stamps)})
    current = write(tmp_path / "c.parquet", {"t": pa.array(stamps + np.timedelta64(1, "D"))})
    got = compare(current, reference, DriftSettings(columns=[ColumnDrift("t", kind="numeric")]))
    assert result(got, "t", "wasserstein").statistic == 86_400.0


def test_report_rows_carry_the_design_fields(outcome: DriftOutcome) -> None:
    rows = outcome.report()
    assert len(rows) == len(outcome.results)
    assert {"column", "kind", "metric", "statistic", "p_value", "threshold", "drifted"} <= set(rows[0])


# -- profiles (metric history) -------------------------------------------------------------------------------


def test_profile_equals_numpy(pair: tuple[Path, Path]) -> None:
    _, reference = pair
    by_column = {p.column: p for p in profile(reference, kinds={"code": "categorical"})}
    x = values(reference, "x")
    got = by_column["x"]
    rows = pq.ParquetFile(reference).metadata.num_rows
    assert (got.kind, got.rows, got.nulls) == ("numeric", rows, rows - x.size)
    assert got.mean == pytest.approx(x.mean(), abs=1e-9)
    assert got.std == pytest.approx(x.std(ddof=1), abs=1e-9)
    assert (got.min, got.max) == (x.min(), x.max())
    expected = np.quantile(x, PROFILE_QUANTILES, method="inverted_cdf")
    assert [q for _, q in got.quantiles] == expected.tolist()
    cat = values(reference, "cat")
    top = by_column["cat"].top_categories
    assert [(c.value, c.rows) for c in top] == [(v, int(np.sum(cat == v))) for v in ("a", "b", "c", "d")]
    assert by_column["code"].kind == "categorical"
    code = pd.Series(values(reference, "code").astype(str)).value_counts()
    expected_top = sorted(code.items(), key=lambda item: (-item[1], item[0]))
    assert [(c.value, c.rows) for c in by_column["code"].top_categories] == expected_top


def test_top_values_of_a_huge_column_are_the_samples_most_frequent_counted_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unique = [f"note {i:06d}" for i in range(300_000)]
    text = np.array(["N/A"] * 40_000 + ["unknown"] * 9_000 + ["-"] * 3_000 + unique, dtype=object)
    np.random.default_rng(7).shuffle(text)
    path = write(tmp_path / "t.parquet", {"note": pa.array(text, pa.string())})
    (exact,) = profile(path)
    monkeypatch.setattr(profile_module, "TOP_EXACT_MAX_DISTINCT", 1_000)  # the sampled path from here
    (sampled,) = profile(path)
    (again,) = profile(path)

    top = [(c.value, c.rows) for c in sampled.top_categories]
    assert top[:3] == [("N/A", 40_000), ("unknown", 9_000), ("-", 3_000)]  # found in the sample, counted exactly
    assert top[:3] == [(c.value, c.rows) for c in exact.top_categories][:3]
    assert len(top) == 10
    assert all(rows == 1 and value.startswith("note ") for value, rows in top[3:])
    assert sampled.top_categories == again.top_categories  # deterministic
    assert sampled.top_categories[0].share == 40_000 / text.size


# -- one statistics pass: the current side from the run's profiles -----------------------------------------


def test_drift_from_the_current_profiles_equals_drift_from_a_scan(
    outcome: DriftOutcome, pair: tuple[Path, Path]
) -> None:
    current, reference = pair
    # "code" is profiled as a number but compared as categories: its counts come from the profile all the same
    reused = compare(current, reference, SETTINGS, current_profiles=profile(current))
    assert (reused.columns, reused.skipped, reused.current_rows) == (
        outcome.columns,
        outcome.skipped,
        outcome.current_rows,
    )
    judged = [(r.column, r.metric, r.threshold, r.drifted, r.severity) for r in outcome.results]
    assert [(r.column, r.metric, r.threshold, r.drifted, r.severity) for r in reused.results] == judged
    # a sum over DuckDB's hash table may differ in the last bit between two connections' histories
    assert [r.statistic for r in reused.results] == pytest.approx([r.statistic for r in outcome.results], rel=1e-12)


def test_a_profile_counts_nan_and_infinities_apart_from_nulls(pair: tuple[Path, Path]) -> None:
    current, _ = pair
    raw = pq.read_table(current, columns=["with_nan"]).column("with_nan").to_numpy()
    found = {p.column: p for p in profile(current)}
    assert (found["with_nan"].nulls, found["with_nan"].non_finite) == (0, int(np.isnan(raw).sum()))
    assert (found["x"].non_finite, found["code"].non_finite) == (0, 0)


def stored(found: ColumnProfile) -> ColumnProfile | None:
    """A profile the way a later run gets it back: report JSON, as the catalog keeps it, read again."""
    kept = stored_profile(profiles_json([found])[found.column])
    return profile_from_json(json.loads(json.dumps(kept)))


def test_drift_from_both_sides_profiles_equals_a_scan(outcome: DriftOutcome, pair: tuple[Path, Path]) -> None:
    current, reference = pair
    from_catalog = [p for p in map(stored, profile(reference)) if p is not None]
    assert from_catalog == list(profile(reference))  # the round trip is exact
    reused = compare(current, reference, SETTINGS, current_profiles=profile(current), reference_profiles=from_catalog)
    assert (reused.columns, reused.skipped) == (outcome.columns, outcome.skipped)
    assert (reused.reference_rows, reused.current_rows) == (outcome.reference_rows, outcome.current_rows)
    judged = [(r.column, r.metric, r.threshold, r.drifted, r.severity) for r in outcome.results]
    assert [(r.column, r.metric, r.threshold, r.drifted, r.severity) for r in reused.results] == judged
    assert [r.statistic for r in reused.results] == pytest.approx([r.statistic for r in outcome.results], rel=1e-12)


def test_a_numeric_profile_stored_before_non_finite_values_were_counted_is_not_reused(pair: tuple[Path, Path]) -> None:
    found = {p.column: p for p in profile(pair[1])}
    legacy = profiles_json([found["with_nan"]])["with_nan"]  # report JSON: no count where there is none...
    legacy.pop("non_finite", None)  # ...and none at all before this version
    assert profile_from_json(legacy) is None
    assert profile_from_json(profiles_json([found["cat"]])["cat"]) == found["cat"]  # counts alone are always safe
