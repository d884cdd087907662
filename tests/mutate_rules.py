"""Break, in one line each, what mutmut does not mutate (the model's day, batches under the posterior,
calibration, the claims) and check that its tests go red. The rule modules are proven by mutmut
(docs/testing.md).

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
 ("sim/model.py", "u.side == \"UA\" and not u.garrison and self.theatre.in_kursk[u.node] for u in self.field_units):", "u.side == \"UA\" and self.theatre.in_kursk[u.node] for u in self.field_units):", "tests/test_policy_model.py tests/rules"),
 ("sim/model.py", "            self.east.replacements(self, \"UA\", ua.release())", "            pass", "tests/test_policy_model.py tests/rules tests/test_model.py"),
 ("sim/model.py", "                    self.east.draw_for_kursk(self, unit.personnel)", "                    pass", "tests/test_eastern_front_model.py tests/rules"),
 ("sim/model.py", "            ua_east_total, sum(east.personnel[\"RU\"]), east.drawn, *east.gain,", "            ua_east_total, sum(east.personnel[\"RU\"]), east.drawn, *east.gain[::-1],", "tests/test_eastern_front_model.py tests/rules"),
 ("sim/runs.py", "    return scenario.with_params(**{k: v for k, v in theta.items() if k not in own})", "    return scenario", "tests/test_posterior.py"),
 ("sim/posterior.py", "        j = replication // REPEATS", "        j = replication", "tests/test_posterior.py"),
 ("sim/calibration.py", "    np.random.seed(ss.generate_state(4))      # pyabc and scipy.stats draw from numpy's global stream", "    np.random.seed()", "tests/test_calibration.py"),
 ("sim/calibration.py", "        return math.sqrt(sum(w * (x[k] - x_0[k]) ** 2 for k, w in self.terms))", "        return math.sqrt(sum((x[k] - x_0[k]) ** 2 for k, w in self.terms))", "tests/test_calibration.py"),
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
