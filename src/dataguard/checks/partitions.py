"""One partition's row checks as plain values, so that they can run on another machine.

A ``PartitionJob`` holds strings and numbers only: the project's folders, the
dataset, the version file, the partition's ``_row_id`` range and where to
write its failures. The contract is loaded where the job runs (it is code,
and a Dask worker must not be sent a pickled module); its digest makes sure
the worker read the same contract as the run that sent the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataguard.checks.batches import Partition
from dataguard.checks.load import LoadedContract, load_contract
from dataguard.checks.rowchecks import check_partition
from dataguard.common.integrity import fingerprint
from dataguard.errors import BadInput
from dataguard.project import Project


@dataclass(frozen=True)
class PartitionJob:
    project_root: str
    warehouse: str
    dataset: str
    contract_sha256: str
    data_path: str
    first: int
    last: int
    out: str


def partition_jobs(
    project: Project, loaded: LoadedContract, data_path: str, run_dir: Path, parts: tuple[Partition, ...]
) -> list[PartitionJob]:
    digest = fingerprint(loaded.path)
    return [
        PartitionJob(
            project_root=str(project.root),
            warehouse=str(project.warehouse),
            dataset=loaded.dataset,
            contract_sha256=digest,
            data_path=str(data_path),
            first=part.first,
            last=part.last,
            out=str(run_dir / f"failures.part{i}.parquet"),
        )
        for i, part in enumerate(parts)
    ]


def run_partition_job(job: PartitionJob) -> list[str]:
    """Check the job's rows; its structural reasons, if any (failures go to ``job.out``)."""
    loaded = load_contract(Project(Path(job.project_root), Path(job.warehouse)), job.dataset)
    if fingerprint(loaded.path) != job.contract_sha256:
        raise BadInput(
            f"{job.dataset}: the contract {loaded.path} read where partition {job.first}..{job.last} ran "
            "differs from the one the run started with",
            hint="every Dask worker must see the same project folder (a shared file system); "
            "do not edit the contract during a run",
        )
    return check_partition(Path(job.data_path), loaded, Partition(job.first, job.last), Path(job.out))
