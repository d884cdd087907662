"""The browser visualiser: `python -m sim viz` (a Mesa SolaraViz page served by Solara).

The page steps one campaign day by day on a map drawn from the nodes' lat/lon (the salient inside
Russia with the state border and the front line, and the eastern sectors), with live plots of the
held ground, the losses and the eastern gains, and the state of any node, sector or unit on demand.

Modules: `campaign` (the model as the page builds it, and the sliders), `mapview` (the map), `ground`
(the state border, who holds the ground between the nodes, the front line), `stamps` (the day's
numbers drawn into the map's pixels), `plots` (the live plots), `details` (a node's or unit's state),
`app` (the Solara page) and `server` (starting Solara). Only `app` and `server` import Solara: the
drawing can be used and measured without it (bench/bench_viz.py).
"""

