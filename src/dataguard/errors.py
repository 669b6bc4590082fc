"""One exception family for dataguard.

Each error knows its exit code, so the CLI never guesses: rejected data is 1,
bad usage or bad input is 2, and 3 means dataguard could not run (the machine,
not the data: a catalog busy past its wait, a Prefect API that does not answer,
a full disk, a warehouse it may not write). Messages say what failed, where,
and what to run next; the original exception is kept as ``__cause__``.
"""

from __future__ import annotations

import difflib
import errno
import os
import signal
from collections.abc import Iterable, Iterator


def did_you_mean(name: str, choices: Iterable[str], *, otherwise: str = "") -> str:
    """``did you mean 'x'?`` naming the closest of ``choices``; ``otherwise`` when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else otherwise


class DataguardError(Exception):
    """Base of every error dataguard raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later (a lock released, a file finished): a ``Retryable``."""
        return isinstance(self, Retryable)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class Retryable(DataguardError):
    """Base of the errors that may go away by themselves: the flow's retries and ``InProcess`` retry only these."""


class BadInput(DataguardError):
    """The user gave something dataguard cannot use; nothing was changed."""

    exit_code = 2


class ProjectNotFound(BadInput):
    """No folder with a ``schemas/`` folder was found."""


class UnknownDataset(BadInput):
    """The dataset has no contract or no versions."""


class NotFound(BadInput):
    """The dataset is known, but not the version, run or row asked for (the API answers 404)."""


class ContractError(BadInput):
    """A contract module is missing, fails to import, or is malformed."""


class SourceError(BadInput):
    """A source file cannot be read as records (empty, ragged, encoding...)."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: str | int | None = None,
        hint: str | None = None,
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.column = column


class StructuralFailure(BadInput):
    """The version does not have the shape the contract requires.

    Carries the verdict that was reached so callers can still report it.
    """

    def __init__(self, message: str, *, reasons: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reasons = reasons


class CouldNotRun(DataguardError):
    """The machine, not the data or the command: nothing was decided about the data (exit 3)."""

    exit_code = 3


class CatalogBusy(CouldNotRun, Retryable):
    """The catalog or a dataset stayed locked by another writer past the wait."""


class CatalogUnavailable(CouldNotRun):
    """The catalog database cannot be reached, refused the login, or its schema is not the one this dataguard uses."""


class FileStillWriting(Retryable):
    """A landed file changed since it was seen or changed too recently."""


class LockLost(CouldNotRun):
    """A writer's lease on its dataset expired (it stopped heart-beating) and another writer took the dataset over."""


class PrefectUnavailable(CouldNotRun):
    """The Prefect API a run was sent to does not answer."""


class PermissionDenied(CouldNotRun):
    """The operating system refused to let dataguard read or write a file of the project."""


class StorageFull(CouldNotRun):
    """A write failed for lack of space (disk full, quota, file-size limit); the run published nothing."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(
            message, hint=hint or "free disk space (or raise the quota or file-size limit), then run the command again"
        )


_FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_FULL_MESSAGES = tuple(os.strerror(code) for code in _FULL_ERRNOS)
_DENIED_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, outermost first (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a write that ran out of space.

    pyarrow and DuckDB report it in their own exception types, with the
    operating system's message in the text, so the text counts as well as errno.
    """
    return any(
        (isinstance(e, OSError) and e.errno in _FULL_ERRNOS) or any(m in str(e) for m in _FULL_MESSAGES)
        for e in causes(exc)
    )


def is_permission_denied(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the operating system refusing access (EACCES, EPERM, EROFS)."""
    return any(isinstance(e, OSError) and e.errno in _DENIED_ERRNOS for e in causes(exc))


def could_not_run(exc: BaseException) -> CouldNotRun | None:
    """The error to report for an operating-system failure that is the machine's, not the data's; None if not one."""
    if isinstance(exc, CouldNotRun):
        return exc
    if is_storage_full(exc):
        return StorageFull(f"a write ran out of space: {exc}")
    if is_permission_denied(exc):
        denied = next(e for e in causes(exc) if isinstance(e, OSError) and e.errno in _DENIED_ERRNOS)
        error = PermissionDenied(
            f"permission denied: {denied.filename or exc}",
            hint="give this user access to the project's warehouse (or set DATAGUARD_WAREHOUSE to a folder it may "
            "write), then run the command again",
        )
        error.__cause__ = exc
        return error
    return None


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (Ctrl-C, SIGTERM); marked abandoned, nothing published.

    A ``KeyboardInterrupt``, so no ``except Exception`` on the way swallows it.
    Exit code 128 + the signal's number, as a shell reports it (130, 143).
    """

    def __init__(self, signum: int, *, published: bool = False) -> None:
        self.signum = signal.Signals(signum)
        self.exit_code = 128 + int(signum)
        self.message = (
            f"stopped by {self.signum.name} just after the run was published (it is complete)"
            if published
            else f"stopped by {self.signum.name}: the run was marked abandoned and nothing was published"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvariantViolation(DataguardError):
    """A pipeline invariant broke (rows lost or duplicated): a bug, never data."""


class GateClosed(DataguardError):
    """Training may not start: no version of the dataset has an open gate."""

    def __init__(self, dataset: str, reasons: list[str]) -> None:
        super().__init__(f"gate closed for {dataset!r}: " + "; ".join(reasons))
        self.dataset = dataset
        self.reasons = reasons


class IntegrityError(GateClosed):
    """The clean data on disk is not the data that was validated: training must not start.

    A ``GateClosed`` (exit 1), so code that refuses on a closed gate refuses on this too.
    """

    def __init__(self, dataset: str, version: int, path: str, expected: str, actual: str) -> None:
        reason = (
            f"version {version}: {path} is not the file that was validated "
            f"(recorded fingerprint {expected}, found {actual}); the incident was recorded in the catalog"
        )
        super().__init__(dataset, [reason])
        self.hint = f"re-publish the data with: dataguard validate {dataset} --version {version}"
        self.version = version
        self.path = path
        self.expected = expected
        self.actual = actual
