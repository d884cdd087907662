"""What made a result: the package version, the git revision, the libraries."""
from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path


def code_identity() -> str:
    """The model code that makes the runs: package version and git revision (with '-dirty' when the
    work tree has changes). Runs made by other code are never mixed into a batch."""
    from . import __version__
    return f"{__version__}+{git_revision() or 'unknown'}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("kursk-sim", "mesa", "numpy", "networkx", "pyarrow", "scipy", "matplotlib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def git_revision() -> str | None:
    """The git revision of the code that ran, if it runs from a git checkout."""
    try:
        here = Path(__file__).resolve().parent
        rev = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if rev.returncode != 0:
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
