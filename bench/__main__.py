"""Run every benchmark module in `bench/` and print one JSON object per benchmark.

Usage: python -m bench [--quick] [NAME ...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for a smoke run")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args()
    here = Path(__file__).parent
    names = args.names or sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")
    )
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        # Benchmarks write keyed logs and anchors: each under a config folder of its own,
        # so none touches this user's log key, and one benchmark's anchor never names
        # another's log (two of them write the same fixed session id).
        with tempfile.TemporaryDirectory(prefix="cockpit-bench-config-") as config:
            os.environ["XDG_CONFIG_HOME"] = config
            try:
                result = module.run(quick=args.quick)
            except Exception as exc:  # report and go on with the other benchmarks
                failed = True
                result = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps({"bench": name, **result}, indent=2), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
