"""Writing a run to disk and to the terminal: daily time series (parquet), summary (JSON), a short text."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .model import COLUMNS, KurskModel

_TYPES = {"day": pa.int32(), "date": pa.string(), "supply_road_cut": pa.bool_()}


def timeseries_schema() -> pa.Schema:
    """The documented columns of the daily record and their types."""
    return pa.schema([(name, _TYPES.get(name, pa.float64())) for name in COLUMNS])


def timeseries_table(records: list[tuple]) -> pa.Table:
    """The daily records as an Arrow table with the documented columns and types."""
    columns = list(zip(*records)) or [[] for _ in COLUMNS]
    return pa.table({f.name: pa.array(col, type=f.type) for f, col in zip(timeseries_schema(), columns)})


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_run(model: KurskModel, out: Path) -> dict:
    """Write timeseries.parquet and summary.json into `out`; return the summary."""
    summary = model.summary()
    table = timeseries_table(model.records)
    atomic_write(out / "timeseries.parquet", lambda tmp: pq.write_table(table, tmp))

    def dump(tmp):
        with open(tmp, "w") as fh:
            json.dump(summary, fh, indent=2, sort_keys=True)
            fh.write("\n")
    atomic_write(out / "summary.json", dump)
    return summary


def first_date(model: KurskModel, column: str) -> str | None:
    k = COLUMNS.index(column)
    return next((r[1] for r in model.records if r[k]), None)


def human_summary(model: KurskModel) -> str:
    """A few lines an analyst reads in the terminal."""
    f = model.summary()["final"]
    start = dict(zip(COLUMNS, model.records[0]))
    pol = model.policy
    params = ", ".join(f"{k}={v}" for k, v in pol.describe().items())
    lines = [
        f"{model.campaign.title}",
        f"policy {pol.name}{' (' + params + ')' if params else ''}, {model.campaign.start} to {f['date']}"
        f"{', variant ' + model.campaign.variant if model.campaign.variant else ''}",
        f"  Ukrainian-held area in Kursk   {start['ua_kursk_area_km2']:8,.0f} km2 -> {f['ua_kursk_area_km2']:,.0f} km2",
        f"  Russian gains in the east      {f['ru_east_gain_km2']:8,.0f} km2",
        f"  Ukrainian killed and wounded   {f['ua_losses']:8,.0f}   captured {f['ua_captured']:,.0f}",
        f"  Russian killed and wounded     {f['ru_losses']:8,.0f}   North Korean {f['nk_losses']:,.0f}",
        f"  Ukrainian troops in Kursk      {f['ua_personnel_kursk']:8,.0f}   in the east {f['ua_personnel_east']:,.0f}",
        f"  main supply road first cut     {first_date(model, 'supply_road_cut') or 'never'}",
    ]
    return "\n".join(lines)
