"""Time the weekly suite against its floor: the same number of bare notebooks run the same way.

    python benchmarks/bench_reports.py [--workers N]

The suite is `crm report` for every team and topic on the demo data. The floor replaces each topic
notebook by a bare one holding only its parameters cell and the same imports, and runs it through
the same runner (papermill in worker processes, HTML rendering, index, atomic move). The ratio
says what the figures themselves cost. Prints a small table; writes nothing outside a temp dir.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from crmlib import config
from crmlib.report import discover_topics, run_reports


def bare_copies(src: Path, dst: Path) -> None:
    """Copy each topic notebook keeping only its title, parameters cell and import lines."""
    dst.mkdir(parents=True)
    for topic in discover_topics(src):
        nb = nbformat.read(src / f"{topic}.ipynb", as_version=4)
        keep = []
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if "parameters" in tags:
                keep.append(cell)
            elif cell.cell_type == "code" and "import" in cell.source:
                lines = [ln for ln in cell.source.splitlines()
                         if ln.startswith(("import ", "from "))]
                keep.append(nbformat.v4.new_code_cell("\n".join(lines)))
        nb.cells = keep
        nbformat.write(nb, dst / f"{topic}.ipynb")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        suite = run_reports(workers=args.workers, out=tmp / "suite", progress=False)
        t_suite = time.perf_counter() - t0
        bare = tmp / "bare_notebooks"
        bare_copies(config.PROJECT_ROOT / "notebooks", bare)
        t0 = time.perf_counter()
        floor = run_reports(workers=args.workers, out=tmp / "floor", progress=False,
                            notebooks_dir=bare)
        t_floor = time.perf_counter() - t0
        shutil.rmtree(tmp / "suite", ignore_errors=True)
    n = len(suite.results)
    print(f"{'run':<8}{'reports':>9}{'failed':>8}{'seconds':>10}{'s/report':>10}")
    print(f"{'suite':<8}{n:>9}{len(suite.failed):>8}{t_suite:>10.1f}{t_suite / n:>10.2f}")
    print(f"{'floor':<8}{len(floor.results):>9}{len(floor.failed):>8}{t_floor:>10.1f}"
          f"{t_floor / n:>10.2f}")
    print(f"ratio suite/floor: {t_suite / t_floor:.2f}")


if __name__ == "__main__":
    main()
