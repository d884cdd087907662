"""Cluster job scripts: a SLURM job array that needs no Dask, and dask_jobqueue clusters.

A job array runs `python -m sim sweep FILE --shard I/N` in each of its N tasks: each task runs its
slice of the runs on the cores SLURM gave it and writes shards into the shared results folder; a
last job without --shard runs whatever is missing and compacts (docs/cluster.md).
"""

from __future__ import annotations

import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

from .scenario import ScenarioError

# [cluster] keys passed to dask_jobqueue as they are; `kind` picks the class, `jobs` the scale.
_JOBQUEUE_KEYS = ("cores", "memory", "walltime", "account", "queue", "processes", "job_extra_directives",
                  "python", "local_directory")


def sbatch_array_script(sweep_file: str | Path, tasks: int, out: str | Path, cluster: dict | None = None,
                        workdir: str | Path | None = None, python: str | None = None,
                        posterior: str | Path | None = None) -> str:
    """An sbatch script for a job array of `tasks` shards of a sweep.

    Parameters
    ----------
    sweep_file : the sweep file (absolute, or relative to `workdir`).
    tasks : N, the number of array tasks; task I runs `--shard I/N`.
    out : the results folder, on storage every node sees.
    cluster : the sweep's [cluster] table, if any: cores, memory, walltime, account, queue.
    workdir : where the job runs (default: the current directory when the script is made).
    python : the interpreter (default: the one making the script, e.g. the project's .venv).
    posterior : a posterior.parquet each replication draws its parameters from (as `sweep --posterior`).

    Returns
    -------
    The script's text; submit it with `sbatch`. Its last line is a comment with the compaction
    command to run once every task has ended (see `compaction_command`).
    """
    if isinstance(tasks, bool) or not isinstance(tasks, int) or tasks < 1:
        raise ScenarioError("--array", str(tasks), "must be a whole number >= 1 (array tasks)")
    cluster = cluster or {}
    workdir = Path(workdir or Path.cwd()).resolve()
    python = python or sys.executable
    cores = int(cluster.get("cores", 1))
    lines = ["#!/bin/bash",
             f"#SBATCH --job-name=kursk-sweep-{Path(sweep_file).stem}",
             f"#SBATCH --array=1-{tasks}",
             "#SBATCH --ntasks=1",
             f"#SBATCH --cpus-per-task={cores}"]
    if "memory" in cluster:
        lines.append(f"#SBATCH --mem={cluster['memory']}")
    if "walltime" in cluster:
        lines.append(f"#SBATCH --time={cluster['walltime']}")
    if "account" in cluster:
        lines.append(f"#SBATCH --account={cluster['account']}")
    if "queue" in cluster:
        lines.append(f"#SBATCH --partition={cluster['queue']}")
    # The log goes beside the job (in the submit directory), not into --out: SLURM opens it before
    # the script runs, and a results folder must hold results only.
    lines += [f"#SBATCH --output=kursk-sweep-{Path(sweep_file).stem}-%A_%a.log",
              "set -euo pipefail",
              f"cd {shlex.quote(str(workdir))}",
              f"mkdir -p {shlex.quote(str(Path(out)))}",
              "# Task I of N runs the I-th slice of the runs; shards land in the shared folder.",
              f"{shlex.quote(python)} -m sim sweep {shlex.quote(str(sweep_file))} "
              f"--shard \"${{SLURM_ARRAY_TASK_ID}}/{tasks}\" --workers \"${{SLURM_CPUS_PER_TASK:-{cores}}}\" "
              f"--out {shlex.quote(str(out))}{_posterior_flag(posterior)}",
              "# When every task has ended (sbatch --dependency=afterany:<array job id> --wrap ...), compact:",
              f"#   {compaction_command(sweep_file, out, python, posterior, cores)}",
              ""]
    return "\n".join(lines)


def compaction_command(sweep_file: str | Path, out: str | Path, python: str | None = None,
                       posterior: str | Path | None = None, workers: int = 1) -> str:
    """The command that, after the array, runs what is missing (a task that died) on `workers`
    local processes and compacts the shards (no --shard). A posterior sweep needs the same posterior."""
    return (f"{shlex.quote(python or sys.executable)} -m sim sweep {shlex.quote(str(sweep_file))} "
            f"--out {shlex.quote(str(out))} --resume --workers {workers}{_posterior_flag(posterior)}")


def _posterior_flag(posterior: str | Path | None) -> str:
    return "" if posterior is None else f" --posterior {shlex.quote(str(posterior))}"


def _jobqueue_class(kind: str):
    try:
        import dask_jobqueue
    except ImportError:
        raise ScenarioError("[cluster]", kind, "needs the cluster extra: pip install -e '.[cluster]'") from None
    return {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[kind]


@contextmanager
def jobqueue_cluster(cluster: dict):
    """The dask_jobqueue cluster a sweep file's [cluster] describes (not yet scaled: no job is
    submitted until the caller scales it). Its job script is `cluster.job_script()`."""
    options = {k: cluster[k] for k in _JOBQUEUE_KEYS if k in cluster}
    # One thread per worker process: the model is pure Python, so threads would share the GIL.
    options.setdefault("processes", options.get("cores", 1))
    with _jobqueue_class(cluster["kind"])(**options) as jobs:
        yield jobs
