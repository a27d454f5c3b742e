"""Pair every notebook with a py:percent twin beside it, and bring each pair in sync.

    python scripts/pair_notebooks.py [--check] [NOTEBOOK.ipynb | FOLDER ...]

Without arguments: every notebooks/**/*.ipynb. For each notebook:

- its metadata gets ``jupytext.formats = "ipynb,py:percent"`` (the pairing JupyterLab's jupytext
  extension follows too), with the jupytext version kept out of the .py header so that a new
  jupytext does not rewrite every twin;
- when the .py twin is newer than the notebook and says something else, the twin was edited: its
  cells replace the notebook's, and the notebook keeps its outputs where a cell is unchanged
  (what ``jupytext --sync`` does);
- the .py twin is (re)written from the notebook. Outputs stay in the .ipynb only.

``--check`` changes nothing and exits 1 when a pair is missing or out of sync.
tests/test_notebook_pairs.py checks the same; `make notebooks-sync` runs this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

ROOT = Path(__file__).resolve().parents[1]
FORMAT = "py:percent"
PAIRING = {
    "formats": f"ipynb,{FORMAT}",
    "notebook_metadata_filter": "-jupytext.text_representation.jupytext_version",
}


def twin_of(notebook: Path) -> Path:
    """The py:percent file paired with ``notebook`` (same folder, same stem)."""
    return notebook.with_suffix(".py")


def notebooks(args: list[str]) -> list[Path]:
    """The notebooks named in ``args`` (files or folders), or all of notebooks/."""
    found = []
    for arg in args or [str(ROOT / "notebooks")]:
        path = Path(arg)
        found += sorted(path.rglob("*.ipynb")) if path.is_dir() else [path]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def is_paired(nb) -> bool:
    """Whether the notebook's metadata carries this project's pairing."""
    meta = nb.metadata.get("jupytext", {})
    return all(meta.get(k) == v for k, v in PAIRING.items())


def paired(nb):
    """The notebook with this project's pairing in its metadata (changed in place)."""
    nb.metadata.setdefault("jupytext", {}).update(PAIRING)
    return nb


def twin_text(nb) -> str:
    """The py:percent text jupytext writes for the notebook."""
    return jupytext.writes(nb, fmt=FORMAT)


def sync(notebook: Path, *, check: bool = False) -> str | None:
    """Pair ``notebook`` and sync it with its twin; return what was (or would be) done, or None."""
    nb = jupytext.read(notebook)
    twin = twin_of(notebook)
    old_text = twin.read_text(encoding="utf-8") if twin.exists() else None
    done = []
    if not is_paired(nb):
        done.append("paired")
        paired(nb)
    notebook_changed = bool(done)
    if (old_text is not None and old_text != twin_text(nb)
            and twin.stat().st_mtime > notebook.stat().st_mtime):
        nb = paired(combine_inputs_with_outputs(jupytext.reads(old_text, fmt=FORMAT), nb,
                                                fmt=FORMAT))
        done.append(f"cells taken from {twin.name}")
        notebook_changed = True
    text = twin_text(nb)
    if text != old_text:
        done.append(f"{twin.name} {'written' if old_text is None else 'updated'}")
    if not check:
        if notebook_changed:
            nbformat.write(nb, notebook)  # first, so that the twin is never the older file
        if text != old_text or notebook_changed:
            twin.write_text(text, encoding="utf-8")
    return ", ".join(done) or None


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = notebooks([a for a in argv if a != "--check"])
    out_of_sync = 0
    for path in paths:
        done = sync(path, check=check)
        if done:
            out_of_sync += 1
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"{shown}: {'needs: ' if check else ''}{done}")
    print(f"{len(paths)} notebooks, {out_of_sync} {'out of sync' if check else 'changed'}")
    if check and out_of_sync:
        print("run `make notebooks-sync`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
