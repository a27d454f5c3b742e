"""Every notebook has a py:percent twin beside it (jupytext), and the two say the same thing.

The twins make a change to a notebook read as a diff. A twin is in sync when its text is what
jupytext writes for the notebook now; `make notebooks-sync` (scripts/pair_notebooks.py) pairs a
new notebook and brings an edited pair back in sync.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
FORMAT = "py:percent"
FIX = "run `make notebooks-sync` (scripts/pair_notebooks.py) and commit both files"


def notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def pair_problem(notebook: Path) -> str | None:
    """What is wrong with a notebook's pairing, or None when it is in sync."""
    name = notebook.relative_to(ROOT).as_posix() if notebook.is_relative_to(ROOT) else notebook
    twin = notebook.with_suffix(".py")
    if not twin.exists():
        return f"{name} has no .py twin ({twin.name}): {FIX}"
    nb = jupytext.read(notebook)
    if f"ipynb,{FORMAT}" not in str(nb.metadata.get("jupytext", {}).get("formats", "")):
        return f"{name} is not paired with {twin.name} in its metadata: {FIX}"
    if twin.read_text(encoding="utf-8") != jupytext.writes(nb, fmt=FORMAT):
        return (f"{name} and {twin.name} differ (one was edited without the other): {FIX}; "
                "the newer file wins")
    return None


@pytest.mark.parametrize("notebook", notebooks(),
                         ids=lambda p: p.relative_to(NOTEBOOKS_DIR).as_posix())
def test_notebook_and_its_py_twin_are_in_sync(notebook):
    problem = pair_problem(notebook)
    assert problem is None, problem


def test_no_py_twin_without_its_notebook():
    orphans = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS_DIR.rglob("*.py")
               if ".ipynb_checkpoints" not in p.parts and not p.with_suffix(".ipynb").exists()]
    assert not orphans, (f"py:percent files whose notebook is gone: {orphans} (delete them, or "
                         "restore the notebook with `jupytext --to ipynb FILE`)")
