"""Time the demo generator and the DuckDB write, and report peak memory.

    python benchmarks/bench_demo.py --lines 1000000
    python benchmarks/bench_demo.py --lines 100000 1000000 --seed 0

Each measurement runs in a fresh process, so that peaks do not mix: ``generate`` alone, then
``build_demo`` (generate + write) into a temporary directory; "write s" is the difference.
Peak memory is the process's maximum resident set size (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _generate(lines: int, seed: int) -> dict:
    """Time ``generate`` in this process."""
    from crmlib.demo import generate

    t0 = time.perf_counter()
    frames = generate(lines=lines, seed=seed)
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(),
            "rows": {name: len(df) for name, df in frames.items()}}


def _build(lines: int, seed: int) -> dict:
    """Time ``build_demo`` (generate + write) into a temporary directory, in this process."""
    from crmlib.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        t0 = time.perf_counter()
        build_demo(path, lines=lines, seed=seed, progress=False)
        return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(),
                "file_mb": path.stat().st_size / 2**20}


def _child(what: str, lines: int, seed: int) -> dict:
    """Run one measurement in a fresh Python process, so that peaks do not mix."""
    out = subprocess.run([sys.executable, __file__, "--child", what, "--lines", str(lines),
                          "--seed", str(seed)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[1_000_000], help="contract lines")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rows", action="store_true", help="also print row counts per table")
    ap.add_argument("--child", choices=["generate", "build"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:  # one measurement, handed to the parent as JSON
        run = _generate if args.child == "generate" else _build
        print(json.dumps(run(args.lines[0], args.seed)))
        return
    print(f"{'lines':>10} {'generate s':>11} {'write s':>8} {'build s':>8} {'peak gen MB':>12} "
          f"{'peak build MB':>14} {'file MB':>8} {'rows':>11}", flush=True)
    results = []
    for n in args.lines:
        gen, build = _child("generate", n, args.seed), _child("build", n, args.seed)
        results.append((n, gen))
        print(f"{n:>10,} {gen['seconds']:>11.1f} {build['seconds'] - gen['seconds']:>8.1f} "
              f"{build['seconds']:>8.1f} {gen['peak_mb']:>12,.0f} {build['peak_mb']:>14,.0f} "
              f"{build['file_mb']:>8,.0f} {sum(gen['rows'].values()):>11,}", flush=True)
    if args.rows:
        for n, gen in results:
            print(f"\nrows at {n:,} lines:")
            for name, count in gen["rows"].items():
                print(f"  {name:<16} {count:>11,}")


if __name__ == "__main__":
    main()
