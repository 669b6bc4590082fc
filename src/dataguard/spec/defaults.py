"""The documented defaults, in one table: thresholds a contract may override, and the settings the
command line and the library share. Importing this loads nothing else."""

PEEK_SAMPLE_ROWS = 20  # rows in the peek's random sample
PEEK_SEED = 0  # the same seed shows the same rows
MAX_VERSION = 2**31 - 1  # version numbers are 32-bit integers in the catalog
MAX_ROW_ID = 2**63 - 1  # _row_id is a 64-bit integer
INFER_SAMPLE_ROWS = 100_000  # rows `dataguard infer` reads from the start of a file
NIGHTLY_CRON = "0 2 * * *"  # when `dataguard serve` runs the nightly sweep
LANDING_POLL_SECONDS = 30.0  # how often `serve` looks at the landing folders
LANDING_SETTLE_SECONDS = 10.0  # a landed file unchanged this long is complete

# -- thresholds a contract overrides (dataguard.GatePolicy, HistoryPolicy, DriftSettings) ----------------------

MAX_QUARANTINED_FRACTION = 0.05  # GatePolicy: FAIL above this share of quarantined rows
HISTORY_WINDOW, HISTORY_K_SD, HISTORY_MIN = 5, 3.0, 3  # HistoryPolicy: mean +/- k sd of the last N versions
DRIFT_ALPHA = 1e-4  # DriftSettings.alpha: the noise guard of every tested drift metric
DRIFT_THRESHOLDS: dict[str, tuple[float, float]] = {  # metric: (warn, block)
    "psi": (0.10, 0.25),
    "wasserstein_norm": (0.05, 0.25),
    "mean_shift_sd": (0.05, 0.25),
    "js_distance": (0.10, 0.20),
    "category_share_change": (0.025, 0.10),
    "new_category_share": (0.01, 0.05),
    "gone_category_share": (0.01, 0.05),
    "null_rate_change": (0.01, 0.05),
    "row_count_change": (0.50, 0.90),
}
