"""The results folder of a batch or sweep: claimed by one study, never silently overwritten.

    DIR/experiment.json      which study (and which model code) the folder belongs to
    DIR/shards/<run>.arrow   one finished run each, written through a temporary file and a rename
    DIR/failed/<run>.json    a run that kept failing, with its error
"""
from __future__ import annotations

import json
from pathlib import Path

from .output import atomic_write
from .provenance import code_identity
from .runs import Run, Study
from .scenario import ScenarioError

SHARDS = "shards"
FAILED = "failed"
IDENTITY = "experiment.json"


def held_replications(out: Path) -> int:
    """How many replications the folder's finished or failed runs span (0 if none)."""
    names = [p.stem for p in (out / SHARDS).glob("*.arrow")] + [p.stem for p in (out / FAILED).glob("*.json")]
    return 1 + max((int(n.rsplit("__r", 1)[1]) for n in names), default=-1)


def finished(out: Path) -> set[str]:
    shards = out / SHARDS
    return {p.stem for p in shards.glob("*.arrow")} if shards.is_dir() else set()


def claim_folder(study: Study, out: Path, resume: bool) -> None:
    """Make `out` this study's folder, or refuse: nothing is ever silently overwritten."""
    identity_file = out / IDENTITY
    identity = {"name": study.name, "fingerprint": study.fingerprint, "code": code_identity()}
    if out.exists() and not out.is_dir():
        raise ScenarioError(out, "--out", "is a file; give a folder for the results")
    if identity_file.exists():
        try:
            held = json.loads(identity_file.read_text())
        except (OSError, ValueError) as exc:
            raise ScenarioError(identity_file, "<file>", f"unreadable ({exc}); this folder cannot be resumed") from None
        if held.get("fingerprint") != study.fingerprint:
            raise ScenarioError(out, "--out", f"holds results of a different experiment ({held.get('name')!r}); "
                                "choose another folder")
        if held.get("code") != identity["code"]:
            raise ScenarioError(out, "--out", f"holds runs made by other model code ({held.get('code')}, this is "
                                f"{identity['code']}); choose another folder")
        if not resume:
            raise ScenarioError(out, "--out", f"already holds results of {study.name!r}; pass --resume "
                                "to complete them, or choose another folder")
        return
    # Shards of one study may claim the folder at once: another's shards, failures and half-written
    # (hidden) temporary files are no reason to refuse.
    foreign = [p.name for p in out.iterdir() if p.name not in (IDENTITY, SHARDS, FAILED)
               and not p.name.startswith(".")] if out.exists() else []
    if foreign:
        raise ScenarioError(out, "--out", f"is not empty and holds no batch ({foreign[0]}); choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(identity_file, lambda tmp: Path(tmp).write_text(json.dumps(identity, indent=2) + "\n"))


def record_failure(out: Path, run: Run, error: str, attempts: int) -> None:
    """Write DIR/failed/<run id>.json: the run, its error and how often it was tried."""
    record = {"run_id": run.run_id, "policy": run.label, "replication": run.replication, "point": run.point,
              "error": error, "attempts": attempts}
    target = out / FAILED / f"{run.run_id}.json"
    target.parent.mkdir(exist_ok=True)
    atomic_write(target, lambda tmp: Path(tmp).write_text(json.dumps(record, indent=2) + "\n"))
