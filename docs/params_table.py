"""Regenerate the parameter appendix of docs/ODD.md from the scenario file.

    python docs/params_table.py                 # rewrite docs/ODD.md in place
    python docs/params_table.py --check         # exit 1 if docs/ODD.md is out of date
    python docs/params_table.py --config X.toml --odd Y.md

Everything between the markers `<!-- params:start -->` and `<!-- params:end -->` in the ODD is
replaced by Markdown tables built from the TOML scenario (parameters grouped by the `# --- name ---`
comment headings of the [parameters] table, terrain factors, road classes, depots, eastern sectors,
monthly gains, allocation, variants), one-line counts of nodes, edges and units, and the numeric
constants fixed in the rule modules (read with `ast`, nothing is imported). The output depends only
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
    side = Counter(u.get("side", "?") for u in units)
    later = Counter(u.get("side", "?") for u in units if "arrival" in u)
    reserve = sum(1 for u in units if u.get("reserve"))
    out.append(f"- Units: {len(units)} ({counts(side, ['UA', 'RU', 'NK'])}); "
               f"arriving after the start: {counts(later, ['UA', 'RU']) or 'none'}"
               f"{', plus the NK units on `nk_arrival`' if side['NK'] else ''}; "
               f"{reserve} Ukrainian reserve brigade{'' if reserve == 1 else 's'}.")
    area = sum(n.get("area_km2", 0) for n in nodes if n.get("region") == "kursk" and n.get("control") == "UA")
    out.append(f"- Ukrainian-held area in Kursk at the start (sum of `area_km2` over UA-held `kursk` nodes): "
               f"{area:,.0f} km².")
    out.append(f"- Eastern front: {plural(len(east.get('sectors', [])), 'sector')}, "
               f"{plural(len(east.get('monthly_gain', [])), 'monthly gain')}, "
               f"{plural(len(east.get('allocation', [])), 'allocation entry', 'allocation entries')}.")
    out.append(f"- Parameters: {len(params)} in `[parameters]` (tables below), "
               f"{len(doc.get('terrain', {}))} terrain classes, {len(doc.get('road_classes', {}))} road classes.")

    out += ["", "#### A.1 Parameters (`[parameters]`)"]
    out += parameter_tables(text, doc)

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

    out += ["", "#### A.5 Eastern sectors (`[east] sectors`)", ""]
    out += table(["sector", "share of gain", "defenders D0", "attackers A0", "source"],
                 [[s.get("node"), s.get("share"), s.get("defenders"), s.get("attackers"), s.get("source", "")]
                  for s in east.get("sectors", [])])

    out += ["", "#### A.6 Russian gains on the eastern front under the historical disposition (`[east] monthly_gain`)", ""]
    out += table(["month", "km²", "source"],
                 [[g.get("month"), g.get("km2"), g.get("source", "")] for g in east.get("monthly_gain", [])])

    out += ["", "#### A.7 Allocation of withdrawn brigades (`[east] allocation`)", ""]
    out += table(["sector", "share of brigades", "source"],
                 [[a.get("node"), a.get("share"), a.get("source", "")] for a in east.get("allocation", [])])

    variants = doc.get("variants", {})
    if variants:
        out += ["", "#### A.8 Variants (`[variants.NAME]`, applied with `--variant NAME`)", ""]
        out += table(["variant", "overrides", "description"],
                     [[f"`{k}`", ", ".join(f"{p} = {cell(v)}" for p, v in r.items() if p != "description"),
                       r.get("description", "")] for k, r in variants.items()])

    constants = code_constants(sim)
    if constants:
        out += ["", "#### A.9 Numeric constants fixed in the code (not scenario parameters)", ""]
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
