"""Small helpers shared by the test modules."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sim.executors import QUIET_WORKERS

ROOT = Path(__file__).resolve().parents[1]


def unit_named(model, name: str):
    """The live unit called `name`, or None once it has been dissolved."""
    return next((u for u in model.units if u.name == name), None)


def column(model, name: str) -> list:
    """One column of model.records."""
    k = model.columns.index(name)
    return [r[k] for r in model.records]


def cli_in_process(capsys, *args: str) -> subprocess.CompletedProcess:
    """`python -m sim ARGS` run by sim.cli.main in this process (no interpreter start-up): its exit
    code and what it printed. For refusals of bad input, which never reach the workers; the tests that
    need a real process (a kill, a server, the console script) start one."""
    from sim.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:                 # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["python", "-m", "sim", *args], code, out, err)


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


@contextmanager
def dask_on_this_machine(workers: int, logs, nanny: bool = True):
    """A real `dask scheduler` and `workers` single-threaded `dask worker` processes on 127.0.0.1,
    the model preloaded in each (tests and benchmarks; docs/cluster.md has the same for a cluster).
    Yields (scheduler address, worker processes); stops them all on exit. `nanny=False` lets a
    killed worker stay dead."""
    import distributed

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "PYTHONPATH": str(ROOT), **QUIET_WORKERS}
    logs = Path(logs)
    logs.mkdir(parents=True, exist_ok=True)
    # The scheduler never runs a task, so only the workers import the model.
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=open(logs / "scheduler.log", "w"), env=env)]
    for i in range(workers):
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                                       "--name", f"w{i}", "--no-dashboard", "--preload", "sim.batch",
                                       *([] if nanny else ["--no-nanny"])],
                                      stdout=subprocess.DEVNULL, stderr=open(logs / f"worker{i}.log", "w"), env=env))
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, procs[1:]
    finally:
        # Workers first, while their scheduler still answers: a worker whose scheduler has gone
        # first spends its shutdown trying to reconnect (20 s and more).
        for group in (procs[1:], procs[:1]):
            for p in group:
                if p.poll() is None:
                    p.terminate()
            for p in group:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
