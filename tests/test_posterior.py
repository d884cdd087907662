"""Batches under parameter uncertainty (sim/posterior.py): each replication runs with its posterior
draw, the same for every policy; the study's own settings win; the report splits the spread."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_batch import MINIMAL, write_experiment

from sim import KurskModel
from sim.batch import run_batch
from sim.cli import main
from sim.experiment import load_experiment
from sim.posterior import REPEATS, load_posterior, spread_split
from sim.runs import run_seed
from sim.scenario import ScenarioError

ROWS = {"ru_quality": [0.65, 0.8, 0.95], "attack_ratio_min": [1.0, 1.2, 1.4], "weight": [0.2, 0.3, 0.5]}


def write_posterior(path: Path, rows: dict = ROWS) -> Path:
    pq.write_table(pa.table(rows), path)
    return path


def records_of(out: Path, run_id: str) -> list[tuple]:
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    mine = ts[ts["run_id"] == run_id]
    return [tuple(r) for r in mine[["ua_kursk_area_km2", "ua_losses_total", "ru_east_gain_km2"]].itertuples(index=False)]


def test_every_policy_of_a_replication_runs_with_the_same_draw_and_it_is_applied(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, reps=4))
    posterior = load_posterior(write_posterior(tmp_path / "posterior.parquet"))
    manifest = run_batch(exp, tmp_path / "out", workers=1, progress=False, posterior=posterior)
    assert manifest["posterior"]["sha256"] == posterior.sha256
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    by = {(p, r): (d, row) for p, r, d, row in zip(s["policy"], s["replication"], s["posterior_draw"], s["posterior_row"], strict=True)}
    labels = [p.label for p in exp.policies]
    for r in range(4):
        assert len({by[(label, r)] for label in labels}) == 1          # paired: one draw per replication
        assert by[("hold", r)][0] == r // REPEATS                      # two replications per draw
    # the draw is really applied: the stored hold run equals a run made by hand with the drawn row
    for r in range(4):
        row = by[("hold", r)][1]
        theta = {k: ROWS[k][row] for k in ("ru_quality", "attack_ratio_min")}
        model = KurskModel(exp.scenario("hold").with_params(**theta), "hold", run_seed(exp, r)).run()
        col = [model.columns.index(c) for c in ("ua_kursk_area_km2", "ua_losses_total", "ru_east_gain_km2")]
        assert records_of(tmp_path / "out", f"hold__r{r:06d}") == [tuple(rec[c] for c in col) for rec in model.records]


def test_draws_follow_the_weights_and_depend_on_seed_and_draw_only(tmp_path):
    posterior = load_posterior(write_posterior(tmp_path / "p.parquet"))
    rows = [posterior.draw(7, r)[1] for r in range(4000)]
    assert [posterior.draw(7, r) for r in (10, 11)] == [posterior.draw(7, r) for r in (10, 11)]
    assert posterior.draw(7, 10)[:2] == posterior.draw(7, 11)[:2]          # replications 10, 11: draw 5
    shares = np.bincount(rows, minlength=3) / len(rows)
    # 2,000 independent draws (pairs share one): sd of a share <= sqrt(.25/2000) ~ 0.011; 4 sd
    assert np.allclose(shares, ROWS["weight"], atol=0.045), shares


def test_a_parameter_the_study_sets_keeps_the_studys_value(tmp_path):
    text = MINIMAL.replace("[overrides]", "[overrides]\nru_quality = 0.9")
    exp = load_experiment(write_experiment(tmp_path, text, reps=2))
    posterior = load_posterior(write_posterior(tmp_path / "posterior.parquet"))
    run_batch(exp, tmp_path / "out", workers=1, progress=False, posterior=posterior)
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    row = s["posterior_row"][0]
    model = KurskModel(exp.scenario("hold").with_params(attack_ratio_min=ROWS["attack_ratio_min"][row]),
                       "hold", run_seed(exp, 0)).run()
    assert exp.scenario("hold").params.ru_quality == 0.9
    assert s["ua_losses_total"][0] == model.summary()["final"]["ua_losses_total"]


def test_a_folder_made_with_another_posterior_is_not_resumed(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, reps=2))
    run_batch(exp, tmp_path / "out", workers=1, progress=False,
              posterior=load_posterior(write_posterior(tmp_path / "a.parquet")))
    other = dict(ROWS, weight=[0.5, 0.3, 0.2])
    with pytest.raises(ScenarioError, match="different experiment"):
        run_batch(exp, tmp_path / "out", workers=1, progress=False, resume=True,
                  posterior=load_posterior(write_posterior(tmp_path / "b.parquet", other)))
    with pytest.raises(ScenarioError, match="different experiment"):
        run_batch(exp, tmp_path / "out", workers=1, progress=False, resume=True)


def test_posterior_batches_are_the_same_on_one_or_two_workers(tmp_path, cli):
    exp_path = write_experiment(tmp_path, reps=4)
    post = write_posterior(tmp_path / "posterior.parquet")
    for workers in ("1", "2"):
        result = cli("batch", str(exp_path), "--workers", workers, "--out", str(tmp_path / f"w{workers}"),
                     "--posterior", str(post))
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "w1" / "summary.parquet").read_bytes() == (tmp_path / "w2" / "summary.parquet").read_bytes()
    report = (tmp_path / "w1" / "report.md").read_text()
    assert "Under parameter uncertainty" in report and "Parameter uncertainty against chance" in report
    assert json.loads((tmp_path / "w1" / "manifest.json").read_text())["posterior"]["replications_per_draw"] == REPEATS


@pytest.mark.parametrize("case", ["missing", "no weight", "unknown parameter", "refused value", "not parquet"])
def test_bad_posterior_is_refused_in_one_line(case, tmp_path, capsys):
    exp_path = write_experiment(tmp_path, reps=2)
    path = tmp_path / "posterior.parquet"
    if case == "no weight":
        write_posterior(path, {"ru_quality": [0.8]})
    elif case == "unknown parameter":
        write_posterior(path, {"morale": [0.8], "weight": [1.0]})
    elif case == "refused value":
        write_posterior(path, {"ru_quality": [-1.0], "weight": [1.0]})
    elif case == "not parquet":
        path.write_text("hello")
    code = main(["batch", str(exp_path), "--workers", "1", "--out", str(tmp_path / "out"), "--posterior", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert str(path) in err or path.name in err, err
    assert not (tmp_path / "out").exists()


def test_spread_split_separates_parameter_uncertainty_from_chance():
    rng = np.random.default_rng(3)
    draws = np.repeat(np.arange(2000), REPEATS)
    theta = rng.normal(0.0, 3.0, 2000)[draws]          # parameter part: sd 3
    noise = rng.normal(0.0, 4.0, draws.size)           # chance: sd 4 -> share 9 / 25 = 0.36
    s = spread_split(theta + noise, draws)
    # 2,000 draws: the ANOVA estimates are good to a few per cent here
    assert s["sd_chance"] == pytest.approx(4.0, rel=0.05)
    assert s["sd_parameters"] == pytest.approx(3.0, rel=0.1)
    assert s["share_parameters"] == pytest.approx(0.36, abs=0.05)
    assert spread_split(noise, draws)["share_parameters"] < 0.05


def test_a_sweep_under_the_posterior_keeps_its_factors_and_pairs_its_draws(tmp_path):
    """The design's factor (drone_range_km, also in the posterior) keeps the design's value at every
    point; the other parameters come from the replication's draw; the report says so."""
    from test_sweep import write_sweep

    from sim.report import write_report
    from sim.sweep import load_sweep

    sweep = load_sweep(write_sweep(tmp_path, points=2, reps=2))
    rows = dict(ROWS, drone_range_km=[6.0, 7.0, 8.0])
    posterior = load_posterior(write_posterior(tmp_path / "posterior.parquet", rows))
    run_batch(sweep, tmp_path / "out", workers=1, progress=False, posterior=posterior)
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    for i in range(len(s["policy"])):
        assert s["posterior_draw"][i] == s["replication"][i] // REPEATS
    i = s["policy"].index("hold")
    point, rep, row = s["point"][i], s["replication"][i], s["posterior_row"][i]
    theta = {"ru_quality": ROWS["ru_quality"][row], "attack_ratio_min": ROWS["attack_ratio_min"][row]}
    model = KurskModel(sweep.scenario("hold", point).with_params(**theta), "hold", run_seed(sweep, rep)).run()
    assert s["ua_losses_total"][i] == model.summary()["final"]["ua_losses_total"]
    assert "Under parameter uncertainty" in (write_report(tmp_path / "out").path.read_text())
