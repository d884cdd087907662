"""Bundled experimental-design tables read by `sim.design` (no code of its own)."""
