"""Monte Carlo batches: common random numbers, determinism across workers, resuming a killed batch,
refusals, and the report. Runs use the default scenario (about 60 ms each), a few dozen at most."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.batch import run_batch
from sim.experiment import load_experiment
from sim.results_folder import SHARDS
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "kursk_2024.toml"

# The minimum experiment of the issue, as written there (withdraw_date as a string, empty overrides).
MINIMAL = """\
name = "hold_vs_withdraw"
scenario = "{scenario}"
replications = {reps}
seed = 20240806

[[policies]]
name = "hold"

[[policies]]
name = "withdraw"
withdraw_date = "2025-01-15"
withdraw_fraction = 1.0

[overrides]
"""


def write_experiment(folder: Path, text: str | None = None, reps: int = 4, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text((text or MINIMAL).format(scenario=SCENARIO, reps=reps))
    return path


def test_minimal_experiment_of_the_issue_runs_as_written(tmp_path):
    exp = load_experiment(write_experiment(tmp_path))
    assert [p.label for p in exp.policies] == ["hold", "withdraw_2025-01-15_1.0"]
    manifest = run_batch(exp, tmp_path / "out", workers=1, progress=False)
    summary = pq.read_table(tmp_path / "out" / "summary.parquet").to_pydict()
    assert manifest["runs"] == 8 and len(summary["run_id"]) == 8
    assert summary["policy"] == ["hold"] * 4 + ["withdraw_2025-01-15_1.0"] * 4
    for column in ("run_id", "policy", "replication", "seed", "policy_parameters", "ua_losses", "ru_losses",
                   "nk_losses", "ua_captured", "ua_kursk_area_km2", "ru_east_gain_km2", "supply_road_cut"):
        assert column in summary, column
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet")
    days = load_experiment(write_experiment(tmp_path)).scenarios["hold"].n_days + 1
    assert ts.num_rows == 8 * days


def test_common_random_numbers_same_policy_under_two_names_gives_the_same_runs(tmp_path):
    text = MINIMAL.replace('name = "withdraw"\nwithdraw_date = "2025-01-15"\nwithdraw_fraction = 1.0',
                           'name = "hold"\nlabel = "hold_again"')
    exp = load_experiment(write_experiment(tmp_path, text, reps=3))
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    s = pq.read_table(tmp_path / "out" / "summary.parquet").to_pandas()
    first, second = s[s.policy == "hold"].reset_index(drop=True), s[s.policy == "hold_again"].reset_index(drop=True)
    columns = [c for c in s.columns if c not in ("run_id", "policy")]
    assert first[columns].equals(second[columns])
    # ... and different replications differ (the luck is not the same for everyone).
    assert first.ua_losses.nunique() == 3


def test_common_random_numbers_hold_and_withdraw_agree_until_the_decision(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, reps=2))
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet").to_pandas()
    before = ts[ts.date < "2025-01-15"]
    hold = before[before.policy == "hold"].drop(columns=["run_id", "policy"]).reset_index(drop=True)
    withdraw = before[before.policy != "hold"].drop(columns=["run_id", "policy"]).reset_index(drop=True)
    assert len(hold) > 100 and hold.equals(withdraw)
    after = ts[ts.date == "2025-04-30"]
    assert after[after.policy == "hold"].ua_losses.tolist() != after[after.policy != "hold"].ua_losses.tolist()


FORKING = """\
name = "forking"
scenario = "{scenario}"
replications = {reps}
seed = 7

[[policies]]
name = "hold"

[[policies]]
name = "withdraw"
label = "late"
withdraw_date = 2025-01-15

[[policies]]
name = "withdraw"
label = "early"
withdraw_date = 2024-08-25

[[policies]]
name = "withdraw"
label = "other_drones"
withdraw_date = 2025-01-15
drone_range_km = 15.0
"""


def test_policies_forked_from_the_hold_run_equal_separate_runs(tmp_path):
    """A batch simulates the days a policy shares with hold once and forks (KurskModel.fork); the
    results must be those of running each policy on its own, record for record."""
    from sim import KurskModel
    from sim.runs import run_seed
    from sim.worker import _fork_date

    exp = load_experiment(write_experiment(tmp_path, FORKING, reps=2))
    # late forks; early diverges too soon to pay; other_drones changes more than its own parameters.
    assert [_fork_date(exp, label, None) for label in ("late", "early", "other_drones")] == \
        [exp.scenario("late").params.withdraw_date, None, None]
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet").to_pydict()
    for p in exp.policies:
        for rep in range(2):
            alone = KurskModel(exp.scenario(p.label), p.name, run_seed(exp, rep)).run()
            rows = [i for i, (pol, r) in enumerate(zip(ts["policy"], ts["replication"], strict=True)) if pol == p.label and r == rep]
            stored = [tuple(ts[c][i] for c in alone.columns) for i in rows]
            assert stored == [tuple(rec) for rec in alone.records], (p.label, rep)


def test_results_are_byte_identical_on_one_or_two_workers(tmp_path, cli):
    exp_path = write_experiment(tmp_path, reps=4)
    for workers in ("1", "2"):
        result = cli("batch", str(exp_path), "--workers", workers, "--out", str(tmp_path / f"w{workers}"))
        assert result.returncode == 0, result.stderr
    for name in ("summary.parquet", "timeseries.parquet"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes(), name
    m1, m2 = (json.loads((tmp_path / w / "manifest.json").read_text()) for w in ("w1", "w2"))
    assert m1["fingerprint"] == m2["fingerprint"] and m1["workers"] == 1 and m2["workers"] == 2


def test_a_batch_killed_with_sigkill_resumes_to_the_same_files(tmp_path, cli):
    reps = 20
    exp_path = write_experiment(tmp_path, reps=reps)
    reference = cli("batch", str(exp_path), "--workers", "2", "--out", str(tmp_path / "whole"))
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "batch", str(exp_path), "--workers", "2", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / SHARDS).glob("*.arrow"))) < 10:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)            # the driver and its workers, mid-batch
    proc.wait()
    time.sleep(0.2)
    done = len(list((out / SHARDS).glob("*.arrow")))
    assert 10 <= done < 2 * reps, "the kill must land mid-batch for this test to mean anything"
    assert not (out / "summary.parquet").exists()

    refused = cli("batch", str(exp_path), "--out", str(out))
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = cli("batch", str(exp_path), "--workers", "2", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    for name in ("summary.parquet", "timeseries.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_shards_are_written_whole_or_not_at_all(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, reps=2))
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    shards = sorted((tmp_path / "out" / SHARDS).iterdir())
    assert [p.suffix for p in shards] == [".arrow"] * 4      # no temporary files left behind


def test_foreign_and_occupied_folders_are_refused(tmp_path, cli):
    exp_path = write_experiment(tmp_path, reps=2)
    assert cli("batch", str(exp_path), "--workers", "1", "--out", str(tmp_path / "out")).returncode == 0
    other = write_experiment(tmp_path, MINIMAL.replace("seed = 20240806", "seed = 7"), reps=2, name="other.toml")
    for args in (("--resume",), ()):
        result = cli("batch", str(other), "--out", str(tmp_path / "out"), *args)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "different experiment" in result.stderr
        assert "Traceback" not in result.stderr
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("mine")
    result = cli("batch", str(exp_path), "--out", str(tmp_path / "stuff"))
    assert result.returncode == 2 and "not empty" in result.stderr
    assert (tmp_path / "stuff" / "notes.txt").read_text() == "mine"


BAD = {
    "unknown policy": ('name = "withdraw"\nwithdraw_date', 'name = "retreat"\nwithdraw_date', "policies[1].name"),
    "no baseline": ('[[policies]]\nname = "hold"\n\n', "", "policies"),
    "duplicate label": ('withdraw_fraction = 1.0', 'withdraw_fraction = 1.0\nlabel = "hold"', "policies[1].label"),
    "bad replications": ("replications = {reps}", "replications = 0", "replications"),
    "negative seed": ("seed = 20240806", "seed = -1", "seed"),
    "missing scenario": ('scenario = "{scenario}"', 'scenario = "nowhere.toml"', "scenario"),
    "unknown override": ("[overrides]\n", "[overrides]\nbogus = 1\n", "overrides.bogus"),
    "date outside the horizon": ('"2025-01-15"', '"2026-01-15"', "withdraw_date"),
    "wrong type": ('withdraw_fraction = 1.0', 'withdraw_fraction = "all"', "withdraw_fraction"),
    "TOML syntax": ("[overrides]\n", "[overrides\n", "<toml>"),
    "unknown key": ("seed = 20240806", "seed = 20240806\nreplicas = 3", "replicas"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_experiment_files_are_refused_in_one_line(case, tmp_path, cli):
    old, new, field = BAD[case]
    assert old in MINIMAL, case
    path = write_experiment(tmp_path, MINIMAL.replace(old, new))
    for command in (("check", str(path)), ("batch", str(path), "--out", str(tmp_path / "out"))):
        result = cli(*command)
        assert result.returncode == 2, (case, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
        assert str(path) in result.stderr and field in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_shipped_experiments_pass_check(cli):
    for name in ("hold_vs_withdraw.toml", "seed_30k.toml"):
        result = cli("check", str(ROOT / "experiments" / name))
        assert result.returncode == 0 and "ok: experiment" in result.stdout, result.stderr
    exp = load_experiment(ROOT / "experiments" / "hold_vs_withdraw.toml")
    dates = sorted(p.params["withdraw_date"] for p in exp.policies if p.name == "withdraw")
    assert len(dates) >= 3 and str(dates[0]) < "2024-12-01" and str(dates[-1]) >= "2025-03-01"
    assert load_experiment(ROOT / "experiments" / "seed_30k.toml").scenarios["hold"].params.ua_troops_kursk == 30000


def test_report_is_built_from_stored_results_alone(tmp_path, cli):
    exp_path = write_experiment(tmp_path, reps=6)
    assert cli("batch", str(exp_path), "--workers", "2", "--out", str(tmp_path / "out")).returncode == 0
    out = tmp_path / "out"
    first = (out / "report.md").read_text()
    for section in ("## Outcomes per policy", "## Paired differences against `hold`", "## In words", "CRN narrowing"):
        assert section in first, section
    for png in ("fan_area.png", "east_gains.png", "losses.png", "paired_differences.png"):
        assert (out / png).stat().st_size > 5_000, png
        (out / png).unlink()
    (out / "report.md").unlink()
    rebuilt = cli("report", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (out / "report.md").read_text() == first
    assert all((out / png).exists() for png in ("fan_area.png", "east_gains.png", "losses.png", "paired_differences.png"))


def test_report_of_a_folder_without_a_batch_is_refused(tmp_path, cli):
    result = cli("report", str(tmp_path))
    assert result.returncode == 2 and "summary.parquet" in result.stderr and "Traceback" not in result.stderr


def test_compaction_refuses_missing_runs(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, reps=2))
    run_batch(exp, tmp_path / "out", workers=1, progress=False)
    next((tmp_path / "out" / SHARDS).glob("*.arrow")).unlink()
    from sim.compaction import compact
    from sim.runs import planned_runs
    with pytest.raises(ScenarioError, match="missing"):
        compact(exp, tmp_path / "out", planned_runs(exp, 2), time.time(), 1)


def test_a_refusal_raised_in_a_worker_reaches_the_driver_intact():
    import pickle
    err = ScenarioError("exp.toml", "<file>", "changed while the batch was running")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ScenarioError) and str(back) == str(err) and back.field == "<file>"
