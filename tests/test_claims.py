"""`python -m sim claims`: the seed article's claims, their schema, their figures against the
stored batches, and the verdict rules."""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.claims import DEFAULT_EXPERIMENT, VERDICTS, combine, run_claims, verdict
from sim.cli import main
from sim.posterior import REPEATS

KEYS = {"id", "claim", "metric", "estimate", "ci_low", "ci_high", "verdict", "why", "unit"}


@pytest.fixture(scope="module")
def claims_dir(tmp_path_factory):
    """Four replications per batch (two posterior draws): seconds, enough to check the plumbing."""
    out = tmp_path_factory.mktemp("claims") / "out"
    run_claims(None, out, runs=4, workers=1, progress=False)
    return out


def test_claims_json_has_the_stable_shape(claims_dir):
    claims = json.loads((claims_dir / "claims.json").read_text())
    assert isinstance(claims, list) and len(claims) >= 7
    assert len({c["id"] for c in claims}) == len(claims)
    for c in claims:
        assert set(c) == KEYS, c.keys()
        assert all(isinstance(c[k], float) for k in ("estimate", "ci_low", "ci_high"))
        assert c["ci_low"] <= c["estimate"] <= c["ci_high"], c["id"]
        assert c["verdict"] in VERDICTS and c["why"] and c["metric"]
    md = (claims_dir / "claims.md").read_text()
    assert md.startswith("# Does the seed article hold up?") and "**Summary.**" in md.split("## 1.")[0]
    assert (claims_dir / "claims.png").stat().st_size > 0


def test_figures_match_the_stored_batch(claims_dir):
    """Claim 7 recomputed by hand from the 30,000-troop batch's summary.parquet: the mean over the
    posterior draws of the paired difference in personnel at the horizon."""
    claims = {c["id"]: c for c in json.loads((claims_dir / "claims.json").read_text())}
    s = pq.read_table(claims_dir / "troops_30k" / "summary.parquet").to_pydict()
    value = {(p, r): v for p, r, v in zip(s["policy"], s["replication"], s["ua_personnel_end"], strict=True)}
    reps = sorted({r for r in s["replication"]})
    diff = np.array([value[("withdraw_2025-03-01", r)] - value[("hold", r)] for r in reps])
    draws = np.array(reps) // REPEATS
    by_draw = np.array([diff[draws == j].mean() for j in np.unique(draws)])
    assert claims["soldiers_after"]["estimate"] == pytest.approx(by_draw.mean())
    s12 = pq.read_table(claims_dir / "troops_12k" / "summary.parquet").to_pydict()
    hold = [v for p, v in zip(s12["policy"], s12["ru_east_gain_km2"], strict=True) if p == "hold"]
    none = [v for p, v in zip(s12["policy"], s12["ru_east_gain_km2"], strict=True) if p == "no_incursion"]
    assert claims["pressure_east"]["estimate"] == pytest.approx(np.mean(hold) - np.mean(none))


def test_an_interval_that_straddles_zero_is_never_supported(claims_dir):
    assert verdict(-1.0, 1.0, want_negative=True) == "not supported"
    assert verdict(-1.0, 1.0, want_negative=False) == "not supported"
    assert verdict(-2.0, -1.0, want_negative=True) == "supported"
    assert verdict(1.0, 2.0, want_negative=True) == "not supported"
    assert combine(["supported", "supported"]) == "supported"
    assert combine(["supported", "not supported"]) == "depends"
    for c in json.loads((claims_dir / "claims.json").read_text()):
        if c["unit"] in ("soldiers", "km²") and c["ci_low"] < 0 < c["ci_high"]:
            assert c["verdict"] != "supported", c


def test_claims_refuse_to_overwrite_and_bad_experiments_in_one_line(claims_dir, tmp_path, capsys):
    assert main(["claims", "--out", str(claims_dir), "--runs", "4", "--workers", "1"]) == 2
    assert "--resume" in capsys.readouterr().err
    bad = tmp_path / "claims.toml"
    text = DEFAULT_EXPERIMENT.read_text().replace('"../configs/', f'"{DEFAULT_EXPERIMENT.parents[1]}/configs/')
    bad.write_text(re.sub(r'^name = "no_incursion".*$', 'name = "hold"\nlabel = "other"', text, flags=re.M))
    assert main(["claims", str(bad), "--out", str(tmp_path / "out"), "--runs", "2", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no_incursion" in err and str(bad) in err, err
