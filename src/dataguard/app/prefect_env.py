"""Defaults for Prefect, applied before Prefect is imported; the user's own settings win.

The embedded API server takes over 20 s to start on a fresh machine (Prefect's
default timeout is 20 s), and analytics would try the network, which may be closed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def configured_api_url() -> str | None:
    """The Prefect server runs should report to: ``PREFECT_API_URL``, or the active profile's; None if neither.

    Read without importing Prefect (which takes most of a second), the way
    Prefect itself resolves it: the environment first, then the profile named
    by ``PREFECT_PROFILE`` or marked active in ``profiles.toml``.
    """
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active")
    settings = profiles.get("profiles", {}).get(active, {}) if isinstance(active, str) else {}
    url = settings.get("PREFECT_API_URL") if isinstance(settings, dict) else None
    return str(url) if url else None
