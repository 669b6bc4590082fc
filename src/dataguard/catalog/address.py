"""Where the catalog is: ``CatalogDB`` (a URL whose password is never shown) and how a project
names it: ``$DATAGUARD_CATALOG_URL``, else ``catalog_url`` in ``dataguard.toml``, else the embedded file.
Also how long a writer waits for a lock (``$DATAGUARD_LOCK_WAIT_SECONDS``)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

from dataguard.errors import BadInput

URL_ENV = "DATAGUARD_CATALOG_URL"
SETTINGS_FILE = "dataguard.toml"
EMBEDDED_NAME = "catalog.sqlite"
WAIT_ENV = "DATAGUARD_LOCK_WAIT_SECONDS"
CONNECT_TIMEOUT_SECONDS = 10


def wait_seconds(default: float) -> float:
    """How long to wait for a lock: ``$DATAGUARD_LOCK_WAIT_SECONDS`` when set, else ``default``."""
    text = os.environ.get(WAIT_ENV)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError as error:
        raise BadInput(f"{WAIT_ENV} must be a number of seconds, got {text!r}") from error
    if value < 0:
        raise BadInput(f"{WAIT_ENV} must be 0 or more, got {text!r}")
    return value


@dataclass(frozen=True)
class CatalogDB:
    """A catalog's address. Cheap to make; connections are opened per use."""

    url: str  # may carry a password: never print it, print ``display``

    def __repr__(self) -> str:
        return f"CatalogDB({self.display})"

    @property
    def sa_url(self) -> URL:
        url = make_url(self.url)
        if url.drivername in ("postgresql", "postgres"):
            return url.set(drivername="postgresql+psycopg")
        if url.drivername == "sqlite":
            return url.set(drivername="sqlite+pysqlite")
        return url

    @property
    def backend(self) -> str:
        return self.sa_url.get_backend_name()

    @property
    def display(self) -> str:
        """The URL with its password masked: what messages, reports and logs show."""
        return self.sa_url.set(drivername=self.sa_url.get_backend_name()).render_as_string(hide_password=True)

    @property
    def file(self) -> Path | None:
        """The SQLite database file; None for a server."""
        if self.backend != "sqlite":
            return None
        return Path(self.sa_url.database or "")

    def exists(self) -> bool:
        """Whether there may be a catalog to read (a server always may; a file must be there)."""
        file = self.file
        return file is None or file.is_file()

    def scrub(self, text: str) -> str:
        password = self.sa_url.password
        return text.replace(str(password), "***") if password else text


def catalog_url(root: Path, warehouse: Path) -> str:
    """``$DATAGUARD_CATALOG_URL``, else ``catalog_url`` in ``<project>/dataguard.toml``, else the embedded file."""
    given = os.environ.get(URL_ENV, "").strip() or _project_setting(root)
    if not given:
        return f"sqlite:///{warehouse / EMBEDDED_NAME}"
    try:
        url = make_url(given)
    except exc.ArgumentError as error:
        raise BadInput(
            f"{URL_ENV} is not a database URL", hint="sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from error
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BadInput(
            f"unsupported catalog database {url.get_backend_name()!r}",
            hint="sqlite:///PATH or postgresql://USER@HOST/DB",
        )
    return given


def _project_setting(root: Path) -> str:
    path = root / SETTINGS_FILE
    if not path.is_file():
        return ""
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise BadInput(f"{path}: {error}") from error
    value = settings.get("catalog_url", "")
    if not isinstance(value, str):
        raise BadInput(f"{path}: catalog_url must be a string")
    return value.strip()
