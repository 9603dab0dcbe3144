"""``sim viz [OVERRIDES...] [--port N]``: serve the browser view on 127.0.0.1.

The overrides are composed and validated as ``sim run``'s are, before any server
starts: a bad one exits 2 with the key, the value and the rule. Then a Solara server
serves :mod:`sim.viz.app` on 127.0.0.1 (never another interface: the page runs models
and takes input) and prints its URL. Everything it loads comes from the installed
packages (solara-assets), so it works offline. Ctrl-C stops it.
"""

from __future__ import annotations

import json
import os
import socket
import sys

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as uvicorn binds
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port free on 127.0.0.1 now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _split(args: list[str]) -> tuple[list[str], int | None, str | None]:
    """(overrides, port or None, error or None)."""
    overrides, port, k = [], None, 0
    while k < len(args):
        a = args[k]
        if a == "--port" or a.startswith("--port="):
            value = a.split("=", 1)[1] if "=" in a else (args[k + 1] if k + 1 < len(args)
                                                          else "")
            k += 1 if "=" in a else 2
            if not value.isdigit() or int(value) > 65535:
                return [], None, f"--port = {value!r}: must be a port number 0-65535 (0: any free)"
            port = int(value)
            continue
        if a.startswith("-"):
            return [], None, f"{a}: unknown option (sim viz [OVERRIDES...] [--port N])"
        overrides.append(a)
        k += 1
    return overrides, port, None


def viz_command(args: list[str]) -> int:
    from sim.cli.validate import ConfigError, compose_config, config_failed, validate_config

    overrides, port, problem = _split(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        validate_config(compose_config(overrides))
    except ConfigError as err:
        return config_failed(err)
    if port is None:
        port = DEFAULT_PORT if _free(DEFAULT_PORT) else free_port()
    elif port == 0:
        port = free_port()
    elif not _free(port):
        print(f"error: --port = {port}: already in use on {HOST}; give another, or --port 0",
              file=sys.stderr)
        return 2
    os.environ["SIM_VIZ_OVERRIDES"] = json.dumps(overrides)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")   # no calls out
    from solara.__main__ import cli as solara_cli

    print(f"sim viz: serving http://{HOST}:{port}/ (Ctrl-C stops it)", flush=True)
    solara_cli(["run", "sim.viz.app", "--host", HOST, "--port", str(port), "--no-open",
                 "--production", "--no-check-version", "--log-level-uvicorn", "warning",
                 "--no-access-log"], standalone_mode=False)
    return 0
