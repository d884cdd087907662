"""Small helpers shared by the test modules."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager


def unit_named(model, name: str):
    """The live unit called `name`, or None once it has been dissolved."""
    return next((u for u in model.units if u.name == name), None)


def column(model, name: str) -> list:
    """One column of model.records."""
    k = model.columns.index(name)
    return [r[k] for r in model.records]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {proc.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port} within {timeout} s")


@contextmanager
def viz_server(port: int):
    """`python -m sim viz --port PORT` as a user starts it, once it listens; stopped on exit."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_listening(port, proc)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
