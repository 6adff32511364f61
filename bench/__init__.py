"""Benchmarks: each module has `run(quick: bool) -> dict`; `python -m bench` runs them all."""
