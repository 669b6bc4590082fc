"""A real, throwaway PostgreSQL server for the tests: started and stopped by the tests themselves.

The server binaries (``initdb``, ``pg_ctl``, ``postgres``) come from Debian's ``postgresql``
package (``make postgresql`` installs it); they are looked up on PATH, then under
``/usr/lib/postgresql/*/bin`` (newest version first). The cluster lives in a temporary folder,
listens on 127.0.0.1 only, on a free port, with durability switched off (fsync, synchronous
commit, full page writes): it is fast and disposable, never to hold anything worth keeping.

initdb and postgres refuse to run as root, so when the tests run as root the folder is handed to
the ``postgres`` user and the server programs run as that user through ``runuser``.

    with PostgresServer() as server:
        url = server.new_database()  # postgresql+psycopg://dataguard:...@127.0.0.1:PORT/t_...
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

INSTALL_HINT = (
    "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH nor under "
    "/usr/lib/postgresql/*/bin: install Debian's postgresql package (`make postgresql`, "
    "which runs `apt-get install postgresql`)"
)
ROLE = "dataguard"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
PORT_ATTEMPTS = 5
LOG_TAIL_LINES = 40
_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PORT_IN_USE = ("could not bind", "address already in use", "could not create any tcp/ip sockets")


def find_pg_bin() -> Path:
    """The folder holding initdb, pg_ctl and postgres: from PATH, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)
    versioned = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versioned, key=_version_key, reverse=True)]
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in _PROGRAMS):
            return folder
    raise RuntimeError(INSTALL_HINT)


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; ``new_database()`` hands out empty databases."""

    def __init__(self) -> None:
        self._password = "pw-" + secrets.token_hex(8)  # the dataguard role's
        self._superuser_password = "pw-" + secrets.token_hex(8)
        self._root: Path | None = None
        self._port: int | None = None
        self._admin: Any = None  # psycopg.Connection, autocommit, as the superuser
        self._lock = threading.Lock()
        self._bin: Path | None = None
        self._as_postgres = os.geteuid() == 0

    # -- public -------------------------------------------------------------------------------

    @property
    def password(self) -> str:
        """The password of the login role ``dataguard`` (which owns every database handed out)."""
        return self._password

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the PostgreSQL server is not running")
        return self._port

    @property
    def data_dir(self) -> Path:
        return self._folder() / "data"

    @property
    def log_path(self) -> Path:
        return self._folder() / "server.log"

    @property
    def running(self) -> bool:
        return self._admin is not None

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for ``dbname`` as the ``dataguard`` role."""
        return f"postgresql+psycopg://{ROLE}:{self._password}@{HOST}:{self.port}/{dbname}"

    def admin_url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL as the superuser ``postgres`` (for tests that need to administer the server)."""
        return f"postgresql+psycopg://{SUPERUSER}:{self._superuser_password}@{HOST}:{self.port}/{dbname}"

    def start(self) -> PostgresServer:
        if self._root is not None:
            raise RuntimeError("the PostgreSQL server is already started")
        self._bin = find_pg_bin()
        self._root = Path(tempfile.mkdtemp(prefix="dataguard-pg-"))
        atexit.register(self.stop)
        try:
            self._initdb()
            self._start_on_free_port()
            self._admin = self._connect_admin()
            with self._admin.cursor() as cur:
                cur.execute(_sql(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD {{}}", _literal(self._password)))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl -m immediate``) and remove its folder; safe to call twice."""
        root, self._root = self._root, None
        admin, self._admin = self._admin, None
        self._port = None
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()
        if root is None:
            return
        atexit.unregister(self.stop)
        data = root / "data"
        if (data / "postmaster.pid").exists():
            stopped = self._run(
                [self._prog("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"],
                cwd=root,
                check=False,
            )
            if stopped.returncode != 0:
                _kill_postmaster(data)
        shutil.rmtree(root, ignore_errors=True)

    def new_database(self, name: str | None = None) -> str:
        """Create an empty database owned by ``dataguard`` and return its SQLAlchemy URL."""
        if self._admin is None:
            raise RuntimeError("the PostgreSQL server is not running: call start() first")
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        if not _DB_NAME.match(name):
            raise ValueError(f"database name {name!r} must be lower-case letters, digits and _ (at most 63)")
        # PostgreSQL 15's default strategy (WAL_LOG) copies template1 (~7 MB) in 10-90 ms here; FILE_COPY
        # measured no faster and checkpoints the whole cluster, so its cost grows with what other tests wrote
        with self._lock, self._admin.cursor() as cur:
            cur.execute(_sql(f"CREATE DATABASE {name} OWNER {ROLE}"))
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- steps --------------------------------------------------------------------------------

    def _folder(self) -> Path:
        if self._root is None:
            raise RuntimeError("the PostgreSQL server is not started")
        return self._root

    def _prog(self, name: str) -> str:
        assert self._bin is not None
        return str(self._bin / name)

    def _initdb(self) -> None:
        root = self._folder()
        pwfile = root / "superuser-password"
        pwfile.write_text(self._superuser_password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if self._as_postgres:
            try:
                user = pwd.getpwnam(SUPERUSER)
            except KeyError:
                raise RuntimeError(f"running as root but there is no `postgres` user. {INSTALL_HINT}") from None
            os.chown(root, user.pw_uid, user.pw_gid)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        command = [
            self._prog("initdb"),
            "-D",
            str(root / "data"),
            "-A",
            "scram-sha-256",
            f"--pwfile={pwfile}",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]
        self._run(command, cwd=root)
        pwfile.unlink()

    def _start_on_free_port(self) -> None:
        root = self._folder()
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = free_port()
            log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            options = " ".join(
                [
                    "-c listen_addresses=" + HOST,
                    f"-p {port}",
                    "-c " + shlex.quote(f"unix_socket_directories={root}"),
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                ]
            )
            command = [self._prog("pg_ctl"), "-w", "-t", str(START_TIMEOUT_SECONDS), "-D", str(self.data_dir)]
            command += ["-l", str(self.log_path), "-o", options, "start"]
            result = self._run(command, cwd=root, check=False)
            if result.returncode == 0:
                self._port = port
                return
            log = self._log_since(log_offset)
            _kill_postmaster(self.data_dir)
            if attempt < PORT_ATTEMPTS and any(sign in log.lower() for sign in _PORT_IN_USE):
                continue  # someone took the port between our probe and the server's bind: try another
            tail = "\n".join(log.splitlines()[-LOG_TAIL_LINES:])
            raise RuntimeError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}):\n{result.stdout}{result.stderr}"
                f"\n--- tail of {self.log_path} ---\n{tail}"
            )

    def _connect_admin(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=SUPERUSER,
            password=self._superuser_password,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(offset)
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return "(no server log)"

    def _run(self, command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self._as_postgres:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(command)} failed with exit {result.returncode}:\n{result.stdout}{result.stderr}"
            )
        return result


def _sql(template: str, *parts: Any) -> Any:
    from psycopg import sql

    return sql.SQL(template).format(*parts)


def _literal(value: str) -> Any:
    from psycopg import sql

    return sql.Literal(value)


def _kill_postmaster(data_dir: Path) -> None:
    """Last resort when pg_ctl could not stop it: SIGQUIT (immediate shutdown), then SIGKILL, the postmaster."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    for sig, wait in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
