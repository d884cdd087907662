"""Start Solara on the page in sim/viz/app.py: `python -m sim viz [SCENARIO] [--host H] [--port P]`.

The server binds to 127.0.0.1 unless told otherwise: the page can step, reset and rebuild models,
which is nobody else's business on a shared network. It needs no internet: the JavaScript that
Solara would fetch from a CDN comes from the `solara-assets` package through Solara's own proxy,
and Solara's telemetry and version check, which would call out, are turned off.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ..scenario import ScenarioError, load_scenario

APP = "sim.viz.app:Page"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port something else already listens on (uvicorn would print a
    traceback-like log and exit)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as uvicorn binds: a port left in TIME_WAIT by a server just stopped is free, one that
        # something listens on is not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ScenarioError("--port", str(port), f"cannot listen on {host}:{port} ({exc.strerror}); "
                                                     "choose another port, or 0 for any free one") from None


def serve(scenario: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False) -> int:
    """Validate the scenario, then run Solara in this process until interrupted."""
    scenario = Path(scenario).resolve()
    load_scenario(scenario)                      # a broken file fails here, in one line, not in the page
    if not 0 <= port <= 65535:
        raise ScenarioError("--port", str(port), "must be a whole number from 0 to 65535")
    check_port_free(host, port)
    os.environ["KURSK_VIZ_SCENARIO"] = str(scenario)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "True")    # assets from solara-assets, never a CDN
    # imported late: Solara reads the settings above when it is imported
    from solara.__main__ import run

    args = [APP, "--host", host, "--port", str(port), "--production", "--no-check-version",
            "--open" if open_browser else "--no-open"]
    run.main(args=args, prog_name="python -m sim viz", standalone_mode=False)
    return 0
