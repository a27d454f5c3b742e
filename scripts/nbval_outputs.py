"""Store the outputs nbval checks, and strip every other output from the notebooks.

    CRM_DATA_DIR=.test-data python scripts/nbval_outputs.py [NOTEBOOK ...]

Each notebook is executed with its default parameters (papermill, on the database that
CRM_DATA_DIR points at: `make test` uses the small demo in .test-data/); the outputs of cells
marked `# NBVAL_CHECK_OUTPUT` are written back into the source notebook, all other outputs and
execution counts are removed, and cell tags (`parameters`, ...) are kept. `make nbval-outputs`
runs it after a change to a notebook or to the demo generator.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent


def refresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        papermill.execute_notebook(str(path), str(out), progress_bar=False, cwd=str(path.parent),
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])
        executed = nbformat.read(out, as_version=4)
    nb = nbformat.read(path, as_version=4)
    by_source = {c.source: c for c in executed.cells if c.cell_type == "code"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if "NBVAL_CHECK_OUTPUT" in cell.source:
            ran = by_source[cell.source]
            cell.outputs = ran.outputs
            cell.execution_count = 1  # nbval skips a reference cell that was never run
            for o in cell.outputs:
                if "execution_count" in o:
                    o["execution_count"] = 1
        else:
            cell.outputs = []
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, path)
    print(f"{path.relative_to(ROOT)}: checked outputs stored")


def main(argv: list[str]) -> None:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        refresh(p)


if __name__ == "__main__":
    main(sys.argv[1:])
