"""Headless Chromium for the report tests: find it, open a page from disk, keep the screenshot and the DOM.

Debian's ``chromium`` package is the one expected (``apt-get install chromium``);
``DATAGUARD_CHROMIUM`` names another binary. Chromium runs with no network
(every host name resolves to nothing), so a page that needs one shows it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_ENV = "DATAGUARD_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
SKIP_MESSAGE = "chromium not found: install Debian's chromium (apt-get install chromium) to run the browser test"
WINDOW = (1366, 900)
TIMEOUT_SECONDS = 120
_CONSOLE_LINE = re.compile(r":CONSOLE[:(\]].*")


@dataclass(frozen=True)
class BrowserRun:
    screenshot: Path
    dom: str
    console: list[str]  # every console message Chromium logged (script errors among them)


def find_chromium() -> str | None:
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def open_page(chromium: str, page: Path, out_dir: Path, window: tuple[int, int] = WINDOW) -> BrowserRun:
    """Screenshot ``page`` at ``window`` size and dump its DOM after loading (two runs: one action each)."""
    screenshot = out_dir / (page.stem + ".png")
    shot = _launch(chromium, [f"--screenshot={screenshot}", f"--window-size={window[0]},{window[1]}"], page)
    dump = _launch(chromium, ["--dump-dom"], page)
    return BrowserRun(screenshot=screenshot, dom=dump.stdout, console=_console(shot.stderr) + _console(dump.stderr))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n" or header[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def _launch(chromium: str, action: list[str], page: Path) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="dataguard-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--log-level=0",
            f"--user-data-dir={profile}",
            *action,
            page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited {result.returncode}: {' '.join(command)}\n{result.stderr[-4000:]}")
    return result


def _console(log: str) -> list[str]:
    return [match.group(0) for match in _CONSOLE_LINE.finditer(log)]
