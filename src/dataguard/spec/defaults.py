"""The documented defaults the command line and the library share; importing this loads nothing else."""

PEEK_SAMPLE_ROWS = 20  # rows in the peek's random sample
PEEK_SEED = 0  # the same seed shows the same rows
INFER_SAMPLE_ROWS = 100_000  # rows `dataguard infer` reads from the start of a file
NIGHTLY_CRON = "0 2 * * *"  # when `dataguard serve` runs the nightly sweep
LANDING_POLL_SECONDS = 30.0  # how often `serve` looks at the landing folders
LANDING_SETTLE_SECONDS = 10.0  # a landed file unchanged this long is complete
