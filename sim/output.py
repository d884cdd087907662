"""Writing a run to disk and to the terminal: daily time series (parquet), summary (JSON), a short text."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .model import KurskModel

_TYPES = {"day": pa.int32(), "date": pa.string(), "supply_road_cut": pa.bool_()}


def timeseries_schema(columns: tuple[str, ...]) -> pa.Schema:
    """The columns of a daily record (a model's `columns`) and their types."""
    return pa.schema([(name, _TYPES.get(name, pa.float64())) for name in columns])


def timeseries_table(records: list[tuple], columns: tuple[str, ...]) -> pa.Table:
    """The daily records as an Arrow table with the documented columns and types."""
    values = list(zip(*records, strict=True)) or [[] for _ in columns]
    return pa.table({f.name: pa.array(col, type=f.type) for f, col in zip(timeseries_schema(columns), values, strict=True)})


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
    table = timeseries_table(model.records, model.columns)
    atomic_write(out / "timeseries.parquet", lambda tmp: pq.write_table(table, tmp))

    def dump(tmp):
        with open(tmp, "w") as fh:
            json.dump(summary, fh, indent=2, sort_keys=True)
            fh.write("\n")
    atomic_write(out / "summary.json", dump)
    return summary


def first_date(model: KurskModel, column: str) -> str | None:
    k = model.columns.index(column)
    return next((r[1] for r in model.records if r[k]), None)


def human_summary(model: KurskModel) -> str:
    """A few lines an analyst reads in the terminal."""
    f = model.summary()["final"]
    start = dict(zip(model.columns, model.records[0], strict=True))
    pol = model.policy
    params = ", ".join(f"{k}={v}" for k, v in pol.describe().items())
    lines = [
        f"{model.campaign.title}",
        f"policy {pol.name}{' (' + params + ')' if params else ''}, {model.campaign.start} to {f['date']}"
        f"{', variant ' + model.campaign.variant if model.campaign.variant else ''}",
        f"  Ukrainian-held area in Kursk   {start['ua_kursk_area_km2']:8,.0f} km2 -> {f['ua_kursk_area_km2']:,.0f} km2",
        f"  salient lost                   {model.salient_lost_on or 'no'}",
        f"  Russian gains in the east      {f['ru_east_gain_km2']:8,.0f} km2   in Sumy oblast {f['ru_sumy_gain_km2']:,.0f} km2",
        f"  Ukrainian soldiers lost        {f['ua_losses_total']:8,.0f}   (Kursk {f['ua_losses_kursk']:,.0f}, "
        f"east {f['ua_losses_east']:,.0f}; captured {f['ua_captured']:,.0f})",
        f"  Russian soldiers lost          {f['ru_losses_total']:8,.0f}   (North Korean {f['nk_losses']:,.0f})",
        f"  Ukrainian personnel at the end {f['ua_personnel_end']:8,.0f}   (in Kursk {f['ua_personnel_kursk']:,.0f}, "
        f"sent east {f['ua_personnel_east']:,.0f})",
        f"  main supply road first cut     {first_date(model, 'supply_road_cut') or 'never'}",
    ]
    return "\n".join(lines)
