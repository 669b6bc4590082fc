"""The example project's deployments: a nightly sweep and a landing-folder watch.

    python flows/deployments.py          # what `dataguard serve` runs for this project

Files dropped into data/landing/flights/ are validated once each (write
NAME.csv.part, then rename it to NAME.csv; see dataguard.ingest.landing). With
PREFECT_API_URL set, the deployments below are served to that Prefect server,
whose scheduler starts their runs; run one by hand with

    prefect deployment run 'dataguard-landing-watch/<folder of this repo>'
    prefect deployment run 'dataguard-validate/<folder of this repo>' -p dataset=flights -p source=/path/to/file.csv

Without a server, Prefect's embedded API has no scheduler, so dataguard times
the same flows in this process. Ctrl-C stops either.
"""

from __future__ import annotations

from pathlib import Path

import prefect
from prefect.deployments.runner import RunnerDeployment

from dataguard.app.serve import deployments, serve_embedded, server_url
from dataguard.project import find_project
from dataguard.spec import defaults

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "cron": defaults.NIGHTLY_CRON,  # 02:00 every night
    "timezone": "UTC",
    "poll_seconds": defaults.LANDING_POLL_SECONDS,
    "settle_seconds": defaults.LANDING_SETTLE_SECONDS,  # a file written in place is taken once unchanged this long
}


def example_deployments() -> list[RunnerDeployment]:
    """This project's deployments: the library's (dataguard.app.serve.deployments) with the settings above."""
    return deployments(PROJECT, **SETTINGS)


def main() -> None:
    if server_url():
        prefect.serve(*example_deployments())
    else:
        serve_embedded(find_project(PROJECT), **SETTINGS)


if __name__ == "__main__":
    main()
