"""Regenerate the parameter appendix of docs/ODD.md from the scenario file.

    python docs/params_table.py                 # rewrite docs/ODD.md in place
    python docs/params_table.py --check         # exit 1 if docs/ODD.md is out of date
    python docs/params_table.py --config X.toml --odd Y.md

Everything between the markers `<!-- params:start -->` and `<!-- params:end -->` in the ODD is
replaced by Markdown tables built from the TOML scenario (parameters grouped by the `# --- name ---`
comment headings of the [parameters] table, terrain factors, road classes, depots, the eastern sectors
with their frontage, gain_share and grouping_origin, the sector forces of [forces] (the units standing on
sector nodes), the allocation of withdrawn brigades, the Sumy-oblast targets and garrisons, variants),
one-line counts of nodes, edges and units, and the numeric constants fixed in the rule modules (read
with `ast`, nothing is imported). The output depends only
on the input files, so running it twice changes nothing. Standard library only (tomllib, ast, re).
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "kursk_2024.toml"
ODD = ROOT / "docs" / "ODD.md"
START, END = "<!-- params:start -->", "<!-- params:end -->"

# Rule modules whose module-level numeric constants are listed (fixed in code, not in the scenario).
RULE_MODULES = ("agents", "model", "movement", "fire_control", "supply", "combat", "control",
                "policy", "doctrine", "eastern_front", "randomness", "scenario", "theatre")

_GROUP = re.compile(r"^\s*#\s*-{2,}\s*(.*?)\s*-*\s*$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_SECTION = re.compile(r"^\s*\[([^\[\]]+)\]")


# --- formatting -----------------------------------------------------------------------------------

def cell(value) -> str:
    """One Markdown table cell: dates as ISO, floats shortest round-trip, pipes escaped."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, float):
        text = repr(value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return " ".join(text.split()).replace("|", "\\|")


def table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def counts(counter: Counter, order: list[str] | None = None) -> str:
    keys = order or sorted(counter)
    return ", ".join(f"{counter[k]} {k}" for k in keys if counter[k])


# --- the parameters, grouped as in the file -----------------------------------------------------------

def parameter_groups(text: str, params: dict) -> list[tuple[str | None, list[str]]]:
    """[(group heading, [keys])] in file order, from the `# --- heading ---` comments of [parameters].

    Falls back to one alphabetical group when the file has no such headings (or is laid out in a
    way the scan does not understand); keys the scan missed go to a final "other" group.
    """
    groups: list[tuple[str | None, list[str]]] = []
    inside = False
    current: list[str] | None = None
    seen: set[str] = set()
    for line in text.splitlines():
        section = _SECTION.match(line)
        if section:
            inside = section.group(1).strip() == "parameters"
            continue
        if not inside:
            continue
        heading = _GROUP.match(line)
        if heading and heading.group(1):
            current = []
            groups.append((heading.group(1), current))
            continue
        key = _KEY.match(line)
        if key and key.group(1) in params and key.group(1) not in seen:
            if current is None:
                current = []
                groups.append((None, current))
            current.append(key.group(1))
            seen.add(key.group(1))
    if not any(name for name, _ in groups):
        return [(None, sorted(params))]
    rest = [k for k in params if k not in seen]
    if rest:
        groups.append(("other", sorted(rest)))
    return [(name, keys) for name, keys in groups if keys]


def parameter_tables(text: str, doc: dict) -> list[str]:
    params = doc.get("parameters", {})
    out = []
    for name, keys in parameter_groups(text, params):
        if name:
            out += ["", f"**{name[0].upper()}{name[1:]}**", ""]
        else:
            out += [""]
        rows = []
        for k in keys:
            row = params[k] if isinstance(params[k], dict) else {"value": params[k]}
            rows.append([f"`{k}`", row.get("value"), row.get("unit", ""), row.get("source", "")])
        out += table(["name", "value", "unit", "source"], rows)
    return out


# --- constants fixed in the code ----------------------------------------------------------------------

def code_constants(sim: Path) -> list[list]:
    """Module-level UPPER_CASE numeric constants of the rule modules, with their comment."""
    rows = []
    for module in RULE_MODULES:
        path = sim / f"{module}.py"
        if not path.exists():
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()):
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            line = lines[node.lineno - 1]
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            if not comment:                       # the comment block just above, if any
                above, i = [], node.lineno - 2
                while i >= 0 and lines[i].lstrip().startswith("#"):
                    above.insert(0, lines[i].lstrip()[1:].strip())
                    i -= 1
                comment = " ".join(above)
            rows.append([f"`{node.targets[0].id}`", value, f"sim/{module}.py", comment])
    return rows


# --- the whole section ----------------------------------------------------------------------------------

def render(config: Path, sim: Path) -> str:
    text = config.read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    try:
        rel = config.resolve().relative_to(ROOT)
    except ValueError:
        rel = config
    meta = doc.get("scenario", {})
    theatre = doc.get("theatre", {})
    nodes, edges = theatre.get("nodes", []), theatre.get("edges", [])
    depots = theatre.get("depots", [])
    units = doc.get("forces", {}).get("units", [])
    east = doc.get("east", {})
    params = doc.get("parameters", {})

    out = [f"_Generated by `python docs/params_table.py` from `{rel.as_posix()}`; "
           "do not edit between the markers by hand._", ""]

    start, end = meta.get("start_date"), meta.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        out.append(f"- Scenario `{meta.get('name', '?')}`: {start.isoformat()} to {end.isoformat()}, "
                   f"{plural((end - start).days, 'daily step')}.")
    region = Counter(n.get("region", "?") for n in nodes)
    held = Counter(n.get("control", "?") for n in nodes)
    out.append(f"- Nodes: {len(nodes)} ({counts(region, ['kursk', 'ua_rear', 'ru_rear', 'east'])}; "
               f"held at the start: {counts(held, ['UA', 'RU'])}).")
    classes = Counter(e.get("class", "?") for e in edges)
    order = [*doc.get("road_classes", {}), "rail"]
    out.append(f"- Edges: {len(edges)} ({counts(classes, [c for c in order if c in classes] + sorted(set(classes) - set(order)))}); "
               f"main supply route {' – '.join(theatre.get('main_supply_route', []))}.")
    depot_sides = Counter(d.get("side", "?") for d in depots)
    out.append(f"- Depots: {len(depots)} ({counts(depot_sides, ['UA', 'RU'])}).")
    sector_nodes = [s.get("node") for s in east.get("sectors", [])]
    on_sector = [u for u in units if u.get("node") in sector_nodes]
    kursk_units = [u for u in units if u.get("node") not in sector_nodes]
    side = Counter(u.get("side", "?") for u in kursk_units)
    later = Counter(u.get("side", "?") for u in kursk_units if "arrival" in u)
    reserve = sum(1 for u in kursk_units if u.get("reserve"))
    garrisons = [u for u in kursk_units if u.get("garrison")]
    out.append(f"- Units of the Kursk theatre: {len(kursk_units)} ({counts(side, ['UA', 'RU', 'NK'])}); "
               f"arriving after the start: {counts(later, ['UA', 'RU']) or 'none'}"
               f"{', plus the NK units on `nk_arrival`' if side['NK'] else ''}; "
               f"{reserve} Ukrainian reserve brigade{'' if reserve == 1 else 's'}; "
               f"{plural(len(garrisons), 'garrison')} (A.8).")
    at_start = Counter()
    for u in on_sector:
        if "arrival" not in u:
            at_start[u.get("side", "?")] += u.get("personnel", 0)
    sector_reserves = [u for u in on_sector if "arrival" in u]
    out.append(f"- Sector forces (units of `[forces]` on eastern-sector nodes, A.6): {len(on_sector)} entries; "
               f"personnel at the start {', '.join(f'{k} {at_start[k]:,.0f}' for k in ('UA', 'RU') if at_start[k])}"
               f"; {plural(len(sector_reserves), 'sector reserve')} arriving later "
               f"({sum(u.get('personnel', 0) for u in sector_reserves):,.0f} personnel).")
    area = sum(n.get("area_km2", 0) for n in nodes if n.get("region") == "kursk" and n.get("control") == "UA")
    out.append(f"- Ukrainian-held area in Kursk at the start (sum of `area_km2` over UA-held `kursk` nodes): "
               f"{area:,.0f} km².")
    sectors = east.get("sectors", [])
    out.append(f"- Eastern front: {plural(len(sectors), 'sector')} (sum of `frontage` "
               f"{cell(sum(s.get('frontage', 0) for s in sectors))}, of `gain_share` "
               f"{sum(s.get('gain_share', 0) for s in sectors):.3g}, of `grouping_origin` "
               f"{sum(s.get('grouping_origin', 0) for s in sectors):.3g}), "
               f"{plural(len(east.get('allocation', [])), 'allocation entry', 'allocation entries')}.")
    targets = theatre.get("sumy_targets", [])
    by_name = {n.get("name"): n for n in nodes}
    out.append(f"- Sumy-oblast targets (`[theatre] sumy_targets`): {len(targets)}, "
               f"{sum(by_name.get(t, {}).get('area_km2', 0) for t in targets):,.1f} km² in all.")
    out.append(f"- Parameters: {len(params)} in `[parameters]` (tables below), "
               f"{len(doc.get('terrain', {}))} terrain classes, {len(doc.get('road_classes', {}))} road classes.")

    out += ["", "#### A.1 Parameters (`[parameters]`)"]
    out += parameter_tables(text, doc)

    terrain = {k: (r.get("value") if isinstance(r, dict) else r) for k, r in doc.get("terrain", {}).items()}
    out += ["", "#### A.2 Terrain factors (`[terrain]`, the defender's multiplier)", ""]
    out += table(["terrain", "value", "source"],
                 [[f"`{k}`", r.get("value"), r.get("source", "")] for k, r in doc.get("terrain", {}).items()])

    out += ["", "#### A.3 Road classes (`[road_classes]`)", ""]
    out += table(["class", "speed_km_day", "capacity (personnel/day)", "infantry_only", "source"],
                 [[f"`{k}`", r.get("speed_km_day"), r.get("capacity"), bool(r.get("infantry_only", False)),
                   r.get("source", "")] for k, r in doc.get("road_classes", {}).items()])
    out += ["", "Rail edges (class `rail`) give transit `days` instead; they carry no supply and serve "
                "only the move to the eastern sectors."]

    out += ["", "#### A.4 Depots (`[theatre] depots`)", ""]
    out += table(["node", "side", "capacity (personnel/day)", "source"],
                 [[d.get("node"), d.get("side"), d.get("capacity"), d.get("source", "")] for d in depots])

    def protection(node: dict) -> str:
        value = terrain.get(node.get("terrain"))
        if not isinstance(value, (int, float)):
            return ""
        return f"{value * (1.0 + node.get('fortification', 0.0)):.3g}"

    out += ["", "#### A.5 Eastern sectors (`[east] sectors`)", "",
            "`frontage`: node-wide axes attacked at once; `gain_share`: the sector's share of the reported "
            "eastern gains (a calibration target, not read by the model); `grouping_origin`: the share of the "
            "Russian Kursk grouping drawn from the sector under `ru_grouping_from_east`; terrain, fortification "
            "and protection (terrain value × (1 + fortification)) are those of the sector's node in "
            "`[theatre] nodes`.", ""]
    out += table(["sector", "frontage", "gain_share", "grouping_origin", "terrain", "fortification", "protection",
                  "source"],
                 [[s.get("node"), s.get("frontage"), s.get("gain_share"), s.get("grouping_origin"),
                   by_name.get(s.get("node"), {}).get("terrain"), by_name.get(s.get("node"), {}).get("fortification"),
                   protection(by_name.get(s.get("node"), {})), s.get("source", "")] for s in sectors])

    default_quality = {"UA": "`ua_quality`", "RU": "`ru_quality`", "NK": "`nk_quality`"}
    out += ["", "#### A.6 Sector forces (`[forces] units` on eastern-sector nodes)", "",
            "Units without `arrival` form the sector's force at the start; the others (sector reserves) join it "
            "on their date. A blank quality takes the side's parameter.", ""]
    out += table(["sector", "side", "unit", "personnel", "quality", "arrival", "source"],
                 [[u.get("node"), u.get("side"), u.get("name"), u.get("personnel"),
                   u.get("quality", default_quality.get(u.get("side"), "")), u.get("arrival", ""), u.get("source", "")]
                  for node in sector_nodes for u in on_sector if u.get("node") == node])

    out += ["", "#### A.7 Allocation of withdrawn brigades (`[east] allocation`)", ""]
    out += table(["sector", "share of brigades", "source"],
                 [[a.get("node"), a.get("share"), a.get("source", "")] for a in east.get("allocation", [])])

    out += ["", "#### A.8 Sumy-oblast targets (`[theatre] sumy_targets`) and garrisons (`garrison = true`)", "",
            "Settlements Russian doctrine may attack once the salient is lost, with the nodes' data "
            "(`[theatre] nodes`):", ""]
    out += table(["node", "area_km2", "terrain", "fortification", "protection", "source"],
                 [[t, by_name.get(t, {}).get("area_km2"), by_name.get(t, {}).get("terrain"),
                   by_name.get(t, {}).get("fortification"), protection(by_name.get(t, {})),
                   by_name.get(t, {}).get("source", "")] for t in targets])
    if garrisons:
        out += ["", "Garrisons (units of `[forces]` with `garrison = true`):", ""]
        out += table(["unit", "side", "node", "personnel", "quality", "source"],
                     [[u.get("name"), u.get("side"), u.get("node"), u.get("personnel", ""),
                       u.get("quality", default_quality.get(u.get("side"), "")), u.get("source", "")]
                      for u in garrisons])

    variants = doc.get("variants", {})
    if variants:
        out += ["", "#### A.9 Variants (`[variants.NAME]`, applied with `--variant NAME`)", ""]
        out += table(["variant", "overrides", "description"],
                     [[f"`{k}`", ", ".join(f"{p} = {cell(v)}" for p, v in r.items() if p != "description"),
                       r.get("description", "")] for k, r in variants.items()])

    constants = code_constants(sim)
    if constants:
        out += ["", "#### A.10 Numeric constants fixed in the code (not scenario parameters)", ""]
        out += table(["name", "value", "module", "comment"], constants)
    return "\n".join(out)


def splice(document: str, generated: str, path: Path) -> str:
    if document.count(START) != 1 or document.count(END) != 1:
        sys.exit(f"{path}: needs exactly one {START} and one {END} marker")
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    if not tail.startswith("\n"):
        tail = "\n" + tail
    return f"{head}{START}\n{generated}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=CONFIG, help=f"scenario TOML (default {CONFIG.relative_to(ROOT)})")
    ap.add_argument("--odd", type=Path, default=ODD, help=f"ODD to update (default {ODD.relative_to(ROOT)})")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the ODD is out of date")
    args = ap.parse_args(argv)

    try:
        generated = render(args.config, ROOT / "sim")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        sys.exit(f"{args.config}: {exc}")
    document = args.odd.read_text(encoding="utf-8")
    updated = splice(document, generated, args.odd)
    if updated == document:
        print(f"{args.odd}: up to date")
        return 0
    if args.check:
        print(f"{args.odd}: out of date; run python docs/params_table.py", file=sys.stderr)
        return 1
    args.odd.write_text(updated, encoding="utf-8")
    print(f"{args.odd}: parameter tables rewritten from {args.config}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
