"""Example training command: will a flight arrive more than 15 minutes late?

Run through the gate, which hands it the clean rows of the newest open version:

    dataguard train flights --max-minutes 5 -- python flows/train_delay_model.py predictions.parquet

It trains a logistic regression on what is known at departure (departure
delay, scheduled hour, distance, origin, carrier) over the rows of
``$DATAGUARD_DATA`` that have an arrival delay, then writes one prediction per
row (``_row_id``, ``prediction`` 0/1, ``score`` the probability of a late
arrival) to the Parquet file given as the first argument: the predictions
format of ``dataguard.measure.slices``. With a second argument, a clean Parquet file
of another version, it scores that file's rows instead (train on one month,
test the slices on the next).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

NUMERIC = ["dep_delay", "hour", "distance"]
CATEGORICAL = ["origin", "carrier"]
LATE_MINUTES = 15


def late(frame: pd.DataFrame) -> pd.Series:
    """The label: 1 when the flight arrived more than 15 minutes late (NA when it never arrived)."""
    return (frame["arr_delay"] > LATE_MINUTES).astype("Int64").where(frame["arr_delay"].notna())


def build_model() -> object:
    try:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
    except ImportError as exc:
        raise SystemExit("this example needs scikit-learn: pip install scikit-learn") from exc
    features = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return make_pipeline(features, LogisticRegression(max_iter=1000))


def train(frame: pd.DataFrame) -> object:
    labelled = frame[frame["arr_delay"].notna()]
    model = build_model()
    model.fit(labelled[NUMERIC + CATEGORICAL], late(labelled).astype(int))  # type: ignore[attr-defined]
    return model


def predict(model: object, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per input row, cancelled flights included, so the join with the version is complete."""
    score = model.predict_proba(frame[NUMERIC + CATEGORICAL])[:, 1]  # type: ignore[attr-defined]
    return pd.DataFrame({"_row_id": frame["_row_id"], "prediction": (score >= 0.5).astype(int), "score": score})


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or "DATAGUARD_DATA" not in os.environ:
        print("usage: dataguard train flights --max-minutes M -- python " + argv[0] + " OUT.parquet [SCORE.parquet]")
        return 2
    data = pd.read_parquet(os.environ["DATAGUARD_DATA"])
    model = train(data)
    scored = pd.read_parquet(argv[2]) if len(argv) == 3 else data
    out = Path(argv[1])
    predict(model, scored).to_parquet(out, index=False)
    version = os.environ.get("DATAGUARD_VERSION", "?")
    print(f"trained on {os.environ.get('DATAGUARD_DATASET', '?')} v{version}: {len(data):,} rows; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
