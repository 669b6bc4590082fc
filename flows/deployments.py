"""The example project's deployments: a nightly sweep and a landing-folder watch.

    python flows/deployments.py          # what `dataguard serve` runs for this project

Files dropped into data/landing/flights/ are validated once each (write
NAME.csv.part, then rename it to NAME.csv; see dataguard.landing). With
PREFECT_API_URL set, the deployments below are served to that Prefect server,
whose scheduler starts their runs; run one by hand with

    prefect deployment run 'dataguard-landing-watch/<folder of this repo>'
    prefect deployment run 'dataguard-validate/<folder of this repo>' -p dataset=flights -p source=/path/to/file.csv

Without a server, Prefect's embedded API has no scheduler, so dataguard times
the same flows in this process. Ctrl-C stops either.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import prefect
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from dataguard.project import find_project
from dataguard.schedule import nightly, serve_embedded, server_url, validate_unattended, watch_landing

PROJECT = Path(__file__).resolve().parent.parent
NIGHTLY_CRON = "0 2 * * *"  # 02:00 every night
TIMEZONE = "UTC"
POLL = timedelta(seconds=30)
SETTLE_SECONDS = 10.0  # a file written in place is taken once unchanged this long


def example_deployments() -> list[RunnerDeployment]:
    """Prefect deployments of the library's flows, for this project (dataguard.schedule.deployments builds the same)."""
    name = PROJECT.name
    sweep = {"project_dir": str(PROJECT), "settle_seconds": SETTLE_SECONDS}
    skip_if_busy = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    common = {"tags": ["dataguard"], "entrypoint_type": EntrypointType.MODULE_PATH}
    return [
        nightly.to_deployment(
            name,
            schedule=Cron(NIGHTLY_CRON, timezone=TIMEZONE),
            parameters=sweep,
            concurrency_limit=skip_if_busy,
            **common,
        ),
        watch_landing.to_deployment(name, interval=POLL, parameters=sweep, concurrency_limit=skip_if_busy, **common),
        validate_unattended.to_deployment(name, parameters={"project_dir": str(PROJECT)}, **common),
    ]


def main() -> None:
    if server_url():
        prefect.serve(*example_deployments())
    else:
        serve_embedded(
            find_project(PROJECT),
            cron=NIGHTLY_CRON,
            timezone=TIMEZONE,
            poll_seconds=POLL.total_seconds(),
            settle_seconds=SETTLE_SECONDS,
        )


if __name__ == "__main__":
    main()
