#!/usr/bin/env bash
# Instructions per default `hold` run (valgrind callgrind; unlike CPU time they do not drift with
# the machine): the count of N=3 runs after one warm-up model, less the count of the warm-up alone.
#   bash bench/instructions.sh            (about 2 minutes; needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$PY" -c "
import sys
from sim import KurskModel, load_scenario
sc = load_scenario('configs/kursk_2024.toml')
KurskModel(sc, 'hold', 99)
for s in range($1):
    KurskModel(sc, 'hold', s).run()
" 2>&1 | awk '/Collected/ {print $4}'
}
a=$(count 0)
b=$(count 3)
echo "instructions per hold run: $(( (b - a) / 3 / 1000000 )) M"
