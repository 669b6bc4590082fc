"""Data contract for `flights_eval`: flights held out to evaluate the delay model on.

An evaluation split is only honest if none of its flights is in the training
data: a flight the model trained on scores well for the wrong reason. The
split must be disjoint from `flights` (its newest version with an open gate)
by the flight's key; a flight found in both is quarantined with code `leak`.
"""

import pandera.pandas as pa

import dataguard

FLIGHT_KEY = ["year", "month", "day", "carrier", "flight", "origin", "sched_dep_time"]


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    year: int = pa.Field(in_range={"min_value": 2000, "max_value": 2100})
    month: int = pa.Field(in_range={"min_value": 1, "max_value": 12})
    day: int = pa.Field(in_range={"min_value": 1, "max_value": 31})
    carrier: str
    flight: int = pa.Field(ge=1)
    origin: str = pa.Field(isin=["EWR", "JFK", "LGA"])
    sched_dep_time: int = pa.Field(in_range={"min_value": 0, "max_value": 2400})
    dep_delay: float = pa.Field(nullable=True)
    arr_delay: float = pa.Field(nullable=True)
    distance: int = pa.Field(in_range={"min_value": 1, "max_value": 5000})
    hour: int = pa.Field(in_range={"min_value": 0, "max_value": 23})


contract = dataguard.Contract(
    keys=FLIGHT_KEY,
    disjoint_from=[dataguard.Disjoint(dataset="flights", on=FLIGHT_KEY)],
    gate=dataguard.GatePolicy(max_quarantined_fraction=0.10),
    drift=dataguard.DriftSettings(declared_only=True),
)
