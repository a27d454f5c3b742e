"""Check that every topic notebook's parameters agree with ``params/defaults.yaml``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from crmlib import config
from crmlib.params import load_specs
from crmlib.report.plan import NOTEBOOKS_DIR, discover_topics, notebook_parameters

__all__ = ["check_notebook_params"]


def check_notebook_params(notebooks_dir=None, params_dir=None) -> list[str]:
    """Return the problems where a notebook's parameters disagree with params/defaults.yaml.

    A parameter line papermill cannot parse, a parameter unknown to defaults.yaml, without a
    help comment or a type annotation, or with another default is a problem (tests assert none).

    Parameters
    ----------
    notebooks_dir : Path, optional
        The folder of the topic notebooks; default ``notebooks/``.
    params_dir : Path, optional
        The parameters folder; default ``params/``.

    Returns
    -------
    list of str
        One message per problem, ``"<topic>: ..."``; empty when all agree.
    """
    specs = load_specs((params_dir or config.PARAMS_DIR) / "defaults.yaml")
    problems = []
    for topic in discover_topics(notebooks_dir):
        path = (notebooks_dir or NOTEBOOKS_DIR) / f"{topic}.ipynb"
        declared = notebook_parameters(path)
        for name in _parameter_lines(path):
            if name not in declared:  # papermill skips lines it cannot parse (e.g. "=" in help)
                problems.append(f"{topic}: papermill cannot parse the line of `{name}`")
        for name, p in declared.items():
            if name not in specs:
                problems.append(f"{topic}: `{name}` is not in defaults.yaml")
                continue
            if not p.get("help"):
                problems.append(f"{topic}: `{name}` has no help comment")
            if p.get("inferred_type_name") in (None, "None"):
                problems.append(f"{topic}: `{name}` has no type annotation")
            try:
                default = ast.literal_eval(p["default"])
            except (ValueError, SyntaxError):
                default = p["default"]
            if default != specs[name]["default"]:
                problems.append(f"{topic}: `{name}` default {p['default']} differs from "
                                f"defaults.yaml ({specs[name]['default']!r})")
    return problems


def _parameter_lines(path: Path) -> list[str]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return re.findall(r"^(\w+)\s*:", cell.source, re.M)
    return []
