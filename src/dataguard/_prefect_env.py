"""Defaults for Prefect, applied before Prefect is imported; the user's own settings win.

The embedded API server takes over 20 s to start on a fresh machine (Prefect's
default timeout is 20 s), and analytics would try the network, which may be closed.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
