"""The topic notebooks: parameters agree with params/, stored clean, and run as weekly reports."""

from __future__ import annotations

import json
import re

import pytest

from crmlib import config
from crmlib.params import load_params, team_slugs
from crmlib.report import NOTEBOOKS_DIR, check_notebook_params, discover_topics, run_reports

NOTEBOOKS = sorted(NOTEBOOKS_DIR.rglob("*.ipynb"))


def test_there_are_topics(tmp_path):
    assert "10_dashboard" in discover_topics()
    for stem in ("100_rfm", "10_dashboard", "05_quality", "65_followups", "notes"):
        (tmp_path / f"{stem}.ipynb").write_text("{}")
    # numeric order of the prefixes, not text order ("100" < "10_" as text)
    assert discover_topics(tmp_path) == ["05_quality", "10_dashboard", "65_followups", "100_rfm"]


def test_notebook_parameters_agree_with_defaults():
    assert check_notebook_params() == []


def test_team_files_are_valid():
    assert team_slugs() == ["east", "global", "north"]
    langs = {t: load_params(t)["lang"] for t in team_slugs()}
    assert "zh" in langs.values() and "en" in langs.values()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_clean_with_parameters_tag(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
    assert sum("parameters" in t for t in tags) == 1
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] or "NBVAL_CHECK_OUTPUT" in src, src[:60]
            assert not re.search(r"^\s*(def|class) ", src, re.M), "logic belongs in crmlib"
    assert any("NBVAL_CHECK_OUTPUT" in "".join(c["source"]) for c in nb["cells"])


def test_weekly_run_on_demo_teams(tmp_path):
    """All demo teams, all topics, on the test database: the `make reports` path."""
    if not config.DEFAULT_DB.exists():
        pytest.skip(f"{config.DEFAULT_DB} missing: `make test` builds it (.test-data/)")
    res = run_reports(out=tmp_path, progress=False)
    assert not res.failed, res.summary()
    assert len(res.results) == len(team_slugs()) * len(discover_topics())
    east = (res.run_dir / "east" / "10_dashboard.html").read_text(encoding="utf-8")
    assert "销售简报" in east and "华东大区" in east and "上周" in east
    glob = (res.run_dir / "global" / "10_dashboard.html").read_text(encoding="utf-8")
    assert "Sales brief" in glob and "Global Accounts" in glob
    assert not re.findall(r'(?:src|href)=["\']?(?:https?:)?//', east + glob)
