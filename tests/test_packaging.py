"""pyproject.toml and environment.yml list the same packages with the same pins; docs in sync."""

from __future__ import annotations

import re
import tomllib

import yaml

from crmlib import config
from crmlib.data import schema

# conda-forge names for the PyPI names (and PyPI extras) we depend on.
CONDA_NAMES = {
    "ibis-framework[duckdb,postgres]": ["ibis-duckdb", "ibis-postgres"],
    "duckdb": ["python-duckdb"],
    "psycopg[binary]": ["psycopg"],
}
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)\s*(.*?)\s*$")


def _split(req: str) -> tuple[str, str]:
    name, spec = _REQ.match(req.split(";")[0]).groups()
    return name.lower(), spec.replace(" ", "")


def _pip_requirements() -> dict[str, str]:
    with open(config.PROJECT_ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    out = {}
    for r in reqs:
        name, spec = _split(r)
        for conda in CONDA_NAMES.get(name, [name]):
            out[conda] = spec
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep)
            if m.group(1) not in ("python", "pip"):
                out[m.group(1).lower()] = m.group(2).replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    pip, conda = _pip_requirements(), _conda_requirements()
    assert set(pip) == set(conda), (set(pip) ^ set(conda))
    for name, spec in pip.items():
        assert conda[name] == spec, f"{name}: pyproject {spec!r} vs environment.yml {conda[name]!r}"


def test_pandas_and_sqlglot_pins_are_explained():
    text = (config.PROJECT_ROOT / "pyproject.toml").read_text()
    assert '"pandas>=2.2,<3"' in text and "statsforecast" in text
    assert '"sqlglot>=26.33,<27"' in text


def test_data_model_doc_is_generated_from_schema():
    doc = (config.PROJECT_ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert doc.strip() == schema.to_markdown().strip(), \
        "docs/data-model.md is stale: run `python -m crmlib.data.schema > docs/data-model.md`"


def test_schema_covers_reference_data_model():
    """Every table and column of ../shared/reference/data-model.md is in the schema module."""
    import pytest

    ref = config.PROJECT_ROOT.parent / "shared" / "reference" / "data-model.md"
    if not ref.exists():
        pytest.skip(f"{ref} is absent (a user's clone has no shared/ folder)")
    rows = re.findall(r"^\| (\w+)(?: \*\(optional\)\*)? \| (.+?) \| .*\|$",
                      ref.read_text(encoding="utf-8"), re.M)
    seen = 0
    for table, cols in rows:
        if table == "table":
            continue
        spec = schema.TABLES[table]
        for col in re.findall(r"\*\*(\w+)\*\*|(\w+)", cols):
            name = col[0] or col[1]
            assert name in spec.names, f"{table}.{name}"
            assert spec.column(name).required == bool(col[0]), f"{table}.{name} required flag"
            seen += 1
        assert spec.optional == ("*(optional)*" in ref.read_text().split(f"| {table}")[1][:14])
    assert len({t for t, _ in rows} - {"table"}) == 19 and seen >= 130
