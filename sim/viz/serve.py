"""``sim viz`` in a child process, for scripts and tests that drive the page in a browser
(experiments/viz_speed.py, experiments/viz_screenshot.py, tests/test_viz_browser.py).

- :func:`serving` starts ``sim viz OVERRIDES --port P`` on a free port in its own process
  group, waits until the port answers (or fails, quoting the server's output, if the
  server exits or ``start_s`` passes), yields the URL, then stops it with Ctrl-C (SIGINT)
  and, if it has not exited 30 s later, kills the group.
- :data:`CHROMIUM_FLAGS` are the flags Debian's chromium needs here: as root in a
  container, and on a closed network (its background connections would be refused).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.cli.viz import HOST, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage"]
SIM = Path(sys.executable).parent / "sim"


@contextmanager
def serving(overrides: list[str], *, log: Path | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None, start_s: float = 120.0) -> Iterator[str]:
    """The URL of a ``sim viz`` serving ``overrides`` while the block runs (module doc).
    ``log``: where the server's output goes (default: discarded)."""
    port = free_port()
    out = log.open("w") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen([str(SIM), "viz", *overrides, "--port", str(port)], cwd=cwd,
                            env={**(env or os.environ), "PYTHONUNBUFFERED": "1"},
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + start_s
        while True:
            if proc.poll() is not None:
                said = log.read_text() if log is not None else ""
                raise RuntimeError(f"sim viz exited {proc.returncode}: {said}")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sim viz did not listen in {start_s:g} s") from None
                time.sleep(0.3)
        yield f"http://{HOST}:{port}/"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        if log is not None:
            out.close()
