"""Break each rule of the two theatres (and of calibration and posterior batches) in one line and check that its tests go red.

    python tests/mutate_rules.py [N ...]      (all mutations, or only those numbered N)

Each mutation replaces one line of a rule module with a wrong one, runs the tests that should catch
it, and restores the file (also when interrupted). "KILLED" means the tests failed, as they must;
"SURVIVED" means a broken rule passed its tests. Run from a clean work tree: it edits sim/ in place.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (file, the line as it is, the line broken, the tests that must catch it)
MUTATIONS = [
 ("sim/eastern_front.py", "loss_att, loss_def = exchange(att, dfn, p, protection)", "loss_att, loss_def = exchange(att, dfn, p, 1.0)", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "lost_ru = self.lose(model, \"RU\", k, loss_att * noise_ru)", "lost_ru = self.lose(model, \"RU\", k, loss_att * noise_ua)", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "gain = self.frontage[k] * km2", "gain = km2", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "km2 = p[\"advance_km2_per_day\"]             # no defence left", "km2 = 0.0             # no defence left", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "cohesion[k] = c + recovery if c + recovery < 1.0 else 1.0", "cohesion[k] = c", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "if not (doctrine.is_fit(model, self.cohesion[\"RU\"][k]) and", "if not (True and", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "return [x / total for x in recent] if total > 0 else self.start_share[side]", "return self.start_share[side]", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "take = min(personnel * from_east * origin, force[k])", "take = 0.0", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "return [from_east * o + rest * (s / total if total else 1.0 / len(strength))", "return [rest * (s / total if total else 1.0 / len(strength))", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "(model.date - lost_on).days < p[\"ru_redeploy_delay_days\"]", "(model.date - lost_on).days <= p[\"ru_redeploy_delay_days\"]", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "unit.until = model.date + dt.timedelta(days=days)", "unit.until = model.date", "tests/test_eastern_front.py"),
 ("sim/eastern_front.py", "self.join(unit.side, self.position[unit.sector], unit.personnel, unit.quality, unit.cohesion,", "self.join(unit.side, 0, unit.personnel, unit.quality, unit.cohesion,", "tests/test_eastern_front.py tests/test_model.py"),
 ("sim/eastern_front.py", "model.losses_east[side] += lost", "pass", "tests/test_eastern_front.py tests/test_model.py"),
 ("sim/policy.py", "            pull_out(model, 1.0)", "            pass", "tests/test_policy.py"),
 ("sim/policy.py", "        return model.salient_lost_on is not None", "        return False", "tests/test_policy.py"),
 ("sim/policy.py", "            if b.garrison:", "            if False:", "tests/test_policy.py"),
 ("sim/model.py", "u.side == \"UA\" and not u.garrison and self.theatre.in_kursk[u.node] for u in self.field_units):", "u.side == \"UA\" and self.theatre.in_kursk[u.node] for u in self.field_units):", "tests/test_policy.py"),
 ("sim/model.py", "            self.east.replacements(self, \"UA\", ua.release())", "            pass", "tests/test_policy.py tests/test_model.py"),
 ("sim/model.py", "                    self.east.draw_for_kursk(self, unit.personnel)", "                    pass", "tests/test_eastern_front.py"),
 ("sim/doctrine.py", "    may_attack = th.attackable_neighbours(model.salient_lost_on is not None)", "    may_attack = th.attackable_neighbours(True)", "tests/test_policy.py"),
 ("sim/doctrine.py", "            u.replenishing = True", "            u.replenishing = False", "tests/test_policy.py"),
 ("sim/doctrine.py", "        elif u.replenishing and u.stock >= full:", "        elif u.replenishing and u.stock > 0:", "tests/test_policy.py"),
 ("sim/combat.py", "                w = 1.0 if d.node == node else None   # a garrison holds its own node only", "                w = sector.get(d.node)", "tests/test_policy.py"),
 ("sim/combat.py", "                strength[d.node] += power\n                continue", "                pass", "tests/test_policy.py"),
 ("sim/control.py", "    return sum([th.area[i] if control[i] == \"RU\" else contested[i] for i in th.sumy_target_nodes])", "    return sum([th.area[i] if control[i] == \"RU\" else 0.0 for i in th.sumy_target_nodes])", "tests/test_policy.py"),
 ("sim/model.py", "            ua_east_total, sum(east.personnel[\"RU\"]), east.drawn, *east.gain,", "            ua_east_total, sum(east.personnel[\"RU\"]), east.drawn, *east.gain[::-1],", "tests/test_eastern_front.py"),
 ("sim/fire_control.py", "self._reach_links[node][:bisect_right(self._reach_km[node], range_km)])", "self._reach_links[node][:bisect_right(self._reach_km[node], range_km) + 1])", "tests/test_rules.py"),
 ("sim/theatre.py", "            self._next_state += 1", "            pass", "tests/test_rules.py"),
 ("sim/batch.py", "    return scenario.with_params(**{k: v for k, v in theta.items() if k not in own})", "    return scenario", "tests/test_posterior.py"),
 ("sim/posterior.py", "        j = replication // REPEATS", "        j = replication", "tests/test_posterior.py"),
 ("sim/calibration.py", "    np.random.seed(ss.generate_state(4))      # pyabc and scipy.stats draw from numpy's global stream", "    np.random.seed()", "tests/test_calibration.py"),
 ("sim/calibration.py", "        return math.sqrt(sum(w * (x[k] - x_0[k]) ** 2 for k, w in self.terms))", "        return math.sqrt(sum((x[k] - x_0[k]) ** 2 for k, w in self.terms))", "tests/test_calibration.py"),
 ("sim/policy.py", "    sector = model.east.allocate(model.policy.sectors(model))", "    sector = model.east.allocate()", "tests/test_policy.py"),
 ("sim/policy.py", "                east.join(\"UA\", sector, unit.personnel, unit.quality, unit.cohesion, from_kursk=True)", "                pass", "tests/test_policy.py"),
 ("sim/policy.py", "        if p[\"nk_east_without_incursion\"] >= 0.5 and nk:", "        if False:", "tests/test_policy.py"),
 ("sim/policy.py", "                control.transfer(model, node, \"RU\")", "                pass", "tests/test_policy.py"),
 ("sim/claims.py", "    return \"supported\" if (hi < 0 if want_negative else lo > 0) else \"not supported\"", "    return \"supported\" if (lo < 0 if want_negative else hi > 0) else \"not supported\"", "tests/test_claims.py"),
 ("sim/claims.py", "    return verdicts[0] if len(set(verdicts)) == 1 else \"depends\"", "    return verdicts[0]", "tests/test_claims.py"),
]


def main(only: list[int]) -> int:
    survived = 0
    for i, (name, old, new, tests) in enumerate(MUTATIONS):
        if only and i not in only:
            continue
        path = ROOT / name
        text = path.read_text()
        if text.count(old) != 1:
            print(i, "NOT FOUND", name, old[:60])
            survived += 1
            continue
        path.write_text(text.replace(old, new))
        try:
            r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests.split()],
                               cwd=ROOT, capture_output=True, text=True, timeout=900)
        finally:
            path.write_text(text)
        status = "KILLED" if r.returncode != 0 else "SURVIVED"
        survived += status == "SURVIVED"
        print(i, status, name, new.strip()[:70], flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]]))
