"""``dataguard ui`` as a user starts it: a real process on a loopback port, stopped with Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx

from dataguard.project import Project
from tests.web_server import free_port


def dataguard(project: Project, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "dataguard", *args, "--project", str(project.root)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ui_serves_the_pages_and_the_api_until_ctrl_c(project: Project) -> None:
    port = free_port()
    child = dataguard(project, "ui", "--port", str(port))
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while True:
        try:
            login = httpx.get(f"{base}/login")
            break
        except httpx.ConnectError:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "dataguard ui did not answer within 60 s"
            time.sleep(0.1)
    assert (login.status_code, login.headers["content-security-policy"].split(";")[0]) == (200, "default-src 'none'")
    assert httpx.get(f"{base}/api/v1/datasets").status_code == 401
    assert httpx.get(f"{base}/api/v1/openapi.json").json()["info"]["title"] == "dataguard"
    assert httpx.get(f"{base}/", follow_redirects=False).headers["location"] == "/login"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.splitlines()[0] == (
        f"dataguard ui: http://127.0.0.1:{port}/ (sign in with a token from dataguard users add; Ctrl-C stops)"
    )
    assert "Traceback" not in err


def test_ui_refuses_other_addresses_while_no_user_exists(project: Project) -> None:
    child = dataguard(project, "ui", "--host", "0.0.0.0")
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out) == (2, "")
    assert err.splitlines()[0] == (
        "error: refusing to listen on 0.0.0.0 while no user exists: anyone who can reach it could read the catalog"
    )
