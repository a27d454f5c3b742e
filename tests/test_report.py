"""The report runner: layout, offline HTML, failure isolation, atomic runs, path safety."""

from __future__ import annotations

import os
import re
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from crmlib import config
from crmlib.exceptions import ParamsError
from crmlib.report import check_notebook_params, plan_jobs, run_reports

PARAMS = '''team: str = None  # Team id as in employees.team
lang: str = "en"  # Language of labels
as_of: str = None  # The report's today
'''


def _notebook(path, body: str, params: str = PARAMS):
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny topic\nWhat it answers."),
        new_code_cell(params, metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def setup(tmp_path):
    nbs, params = tmp_path / "notebooks", tmp_path / "params"
    (params / "teams").mkdir(parents=True)
    nbs.mkdir()
    shutil.copy(config.PARAMS_DIR / "defaults.yaml", params / "defaults.yaml")
    (params / "teams" / "east.yaml").write_text("team: 华东\nlang: zh\nas_of: 2026-10-31\n",
                                                encoding="utf-8")
    (params / "teams" / "west.yaml").write_text("team: west\nas_of: 2026-10-31\n")
    _notebook(nbs / "10_ok.ipynb",
              "import sys\nprint('warning noise', file=sys.stderr)\n"
              "from IPython.display import Markdown\nMarkdown(f'Team **{team}** <b>x</b>')")
    _notebook(nbs / "20_fails_for_west.ipynb",
              "if team == 'west':\n    raise ValueError('contracts.csv row 3: bad amount')\n"
              "print('fine', team)")
    return {"notebooks_dir": nbs, "params_dir": params, "out": tmp_path / "reports"}


def test_run_layout_and_failure_isolation(setup):
    res = run_reports(workers=2, progress=False, **setup)
    run = res.run_dir
    assert sorted(p.relative_to(run).as_posix() for p in run.rglob("*")) == [
        "east", "east/10_ok.html", "east/10_ok.ipynb", "east/20_fails_for_west.html",
        "east/20_fails_for_west.ipynb", "index.html", "west", "west/10_ok.html",
        "west/10_ok.ipynb", "west/20_fails_for_west.html", "west/20_fails_for_west.ipynb"]
    assert [(r.team, r.topic, r.status) for r in res.failed] == \
        [("west", "20_fails_for_west", "failed")]
    assert "contracts.csv row 3: bad amount" in res.summary()
    err = (run / "west" / "20_fails_for_west.html").read_text()
    assert "could not be produced" in err and "contracts.csv row 3: bad amount" in err
    assert "params/teams/west.yaml" in err
    ok = (run / "east" / "10_ok.html").read_text()
    assert "Team <strong>华东</strong>" in ok
    assert "import sys" not in ok and "warning noise" not in ok  # no code, no stderr
    body = ok.split("<body", 1)[1]
    assert "In&nbsp;[" not in body and "Out[" not in body  # no prompts
    # header with team, period and as-of, in the team's language
    assert "团队" in ok and "2026-10-31" in ok and "<h1>Tiny topic</h1>" in ok
    # offline: no src/href to the network
    assert not re.findall(r'(?:src|href)=["\']?(?:https?:)?//', ok)
    index = (run / "index.html").read_text()
    assert 'href="east/10_ok.html"' in index and "FAILED" in index
    latest = setup["out"] / "latest"
    assert latest.is_symlink() and latest.resolve() == run.resolve()


def test_interrupted_run_leaves_nothing(setup, monkeypatch):
    from crmlib.report import render

    first = run_reports(teams=["east"], topics=["10_ok"], progress=False, **setup)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "index_page", boom)
    with pytest.raises(KeyboardInterrupt):
        run_reports(teams=["east"], topics=["10_ok"], progress=False, **setup)
    entries = sorted(p.name for p in setup["out"].iterdir())
    assert entries == [first.run_dir.name, "latest"]  # no temp folder, latest unchanged
    assert (setup["out"] / "latest").resolve() == first.run_dir.resolve()


def test_stale_temp_folders_are_cleaned(setup):
    (setup["out"] / ".tmp-2026-01-01_000000" / "east").mkdir(parents=True)
    run_reports(teams=["east"], topics=["10_ok"], progress=False, **setup)
    assert not list(setup["out"].glob(".tmp-*"))


@pytest.mark.parametrize("kwargs, message", [
    ({"teams": ["../../etc"]}, "not a valid team file name"),
    ({"teams": ["/tmp/x"]}, "not a valid team file name"),
    ({"teams": ["eats"]}, "did you mean `east`"),
    ({"topics": ["10_okk"]}, "unknown topic `10_okk`; did you mean `10_ok`"),
    ({"overrides": {"perod": "this_year"}}, "unknown key `perod`; did you mean `period`"),
])
def test_bad_run_parameters(setup, kwargs, message):
    with pytest.raises(ParamsError, match=message):
        plan_jobs(notebooks_dir=setup["notebooks_dir"], params_dir=setup["params_dir"],
                  **kwargs)
    assert not setup["out"].exists()


def test_notebook_with_undeclared_parameter_is_an_error(setup):
    _notebook(setup["notebooks_dir"] / "30_odd.ipynb", "pass",
              params=PARAMS + "colour: str = 'red'  # not a known key\n")
    with pytest.raises(ParamsError, match=r"parameter\(s\) \['colour'\] are not in"):
        plan_jobs(notebooks_dir=setup["notebooks_dir"], params_dir=setup["params_dir"])
    assert check_notebook_params(setup["notebooks_dir"], setup["params_dir"]) == [
        "30_odd: `colour` is not in defaults.yaml"]


def test_each_notebook_gets_only_its_parameters(setup):
    jobs = plan_jobs(notebooks_dir=setup["notebooks_dir"], params_dir=setup["params_dir"],
                     overrides={"period": "this_year"})
    assert {tuple(sorted(j.parameters)) for j in jobs} == {("as_of", "lang", "team")}
    east = [j for j in jobs if j.team == "east"][0]
    assert east.parameters == {"team": "华东", "lang": "zh", "as_of": "2026-10-31"}


def test_run_folder_names_do_not_collide(setup):
    a = run_reports(teams=["east"], topics=["10_ok"], progress=False, **setup)
    b = run_reports(teams=["east"], topics=["10_ok"], progress=False, **setup)
    assert a.run_dir != b.run_dir and os.readlink(setup["out"] / "latest") == b.run_dir.name


def test_one_team_with_bad_data_does_not_stop_the_others(setup):
    """A team whose source is broken gets error pages; the other team's reports are written."""
    nbs = setup["notebooks_dir"]
    _notebook(nbs / "30_data.ipynb",
              "import crmlib\ncrm = crmlib.connect(source)\nprint(crm.table('contracts').count()"
              ".execute())", params=PARAMS + "source: str = None  # data source\n")
    (setup["params_dir"] / "teams" / "west.yaml").write_text(
        "team: west\nsource: /nonexistent/west.duckdb\n")
    (setup["params_dir"] / "teams" / "east.yaml").write_text(
        "team: east\nas_of: 2026-10-31\nsource: /nonexistent/east.duckdb\n")
    (setup["params_dir"] / "teams" / "north.yaml").write_text("team: north\nas_of: 2026-10-31\n")
    from crmlib.demo import build_demo

    db = build_demo(setup["out"].parent / "ok.duckdb", lines=1000, progress=False)
    (setup["params_dir"] / "teams" / "north.yaml").write_text(
        f"team: north\nsource: {db}\n")
    res = run_reports(topics=["30_data"], progress=False, **setup)
    status = {r.team: r.status for r in res.results}
    assert status == {"east": "failed", "north": "ok", "west": "failed"}
    page = (res.run_dir / "west" / "30_data.html").read_text()
    assert "/nonexistent/west.duckdb does not exist" in page
