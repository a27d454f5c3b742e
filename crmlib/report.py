"""The weekly report runner: every topic notebook for every team, as offline HTML.

``run_reports()`` (the ``crm report`` command) executes ``notebooks/NN_topic.ipynb`` once per team
with papermill, in parallel worker processes, renders each to HTML in-process (no code, no
prompts, charts inline, no network reference), and writes::

    reports/<run>/index.html             every report with its status
    reports/<run>/<team>/<topic>.html    the report (or an error page)
    reports/<run>/<team>/<topic>.ipynb   the executed notebook, for whoever debugs
    reports/latest -> <run>              the newest complete run

A run is built in a hidden temporary folder and moved into place when done, so an interrupted
run leaves neither a half-written run folder nor a broken ``latest``. A failing notebook gives
an error page and does not stop the other reports; the run then exits non-zero.
"""

from __future__ import annotations

import ast
import datetime as _dt
import html
import logging
import os
import shutil
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from crmlib import config
from crmlib.exceptions import ParamsError
from crmlib.params import SLUG, load_params, load_specs, team_slugs

__all__ = ["Job", "JobResult", "RunResult", "discover_topics", "notebook_parameters",
           "plan_jobs", "run_reports", "render_html", "check_notebook_params"]

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
NOTEBOOKS_DIR = config.PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class Job:
    """One report: a topic notebook for a team, with the parameters it receives."""

    team: str  # the team's slug (its params file name): safe as a path component
    topic: str  # the notebook's stem, e.g. 10_dashboard
    notebook: Path
    parameters: dict


@dataclass
class JobResult:
    team: str
    topic: str
    status: str  # ok / failed
    seconds: float
    error: str = ""
    title: str = ""


@dataclass
class RunResult:
    run_dir: Path
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> str:
        ok = len(self.results) - len(self.failed)
        lines = [f"{ok} of {len(self.results)} reports written to {self.run_dir} "
                 f"in {self.seconds:.1f} s"]
        lines += [f"  FAILED {r.team}/{r.topic}: {r.error.splitlines()[0] if r.error else ''}"
                  for r in self.failed]
        return "\n".join(lines)


def discover_topics(notebooks_dir: Path | None = None) -> list[str]:
    """Stems of the topic notebooks (``NN_name.ipynb``) in ``notebooks/``, in the numeric order
    of their prefixes (``05_...`` before ``10_...`` before ``100_...``)."""
    folder = notebooks_dir or NOTEBOOKS_DIR
    stems = [p.stem for p in folder.glob("[0-9]*_*.ipynb")]
    return sorted(stems, key=lambda s: (int(s.split("_", 1)[0]), s))


def notebook_parameters(path: Path) -> dict[str, dict]:
    """The parameters a notebook declares (name -> papermill's type, default and help)."""
    import papermill

    return papermill.inspect_notebook(str(path))


def plan_jobs(*, teams=None, topics=None, overrides=None, notebooks_dir=None,
              params_dir=None) -> list[Job]:
    """Validate teams, topics and parameters up front and return one job per (team, topic).

    Each notebook receives the parameters it declares, from defaults, the team file and the
    overrides. A notebook declaring a parameter that ``params/defaults.yaml`` does not know is an
    error (papermill itself would only warn).
    """
    notebooks_dir = notebooks_dir or NOTEBOOKS_DIR
    known_topics = discover_topics(notebooks_dir)
    topics = list(topics or known_topics)
    for t in topics:
        if t not in known_topics:
            import difflib

            hint = difflib.get_close_matches(t, known_topics, n=1)
            raise ParamsError(f"unknown topic `{t}`" + (f"; did you mean `{hint[0]}`?" if hint
                                                         else "")
                              + f" Topics: {', '.join(known_topics)}.")
    teams = list(teams or team_slugs(params_dir))
    if not teams:
        raise ParamsError("no teams: add params/teams/<team>.yaml files.")
    specs = load_specs((params_dir or config.PARAMS_DIR) / "defaults.yaml")
    declared = {}
    for t in topics:
        path = notebooks_dir / f"{t}.ipynb"
        declared[t] = notebook_parameters(path)
        unknown = sorted(set(declared[t]) - set(specs))
        if unknown:
            raise ParamsError(f"{path}: parameter(s) {unknown} are not in params/defaults.yaml; "
                              "declare them there (type, default, help).")
    jobs = []
    for team in teams:
        if not SLUG.match(team):
            raise ParamsError(f"team `{team}` is not a valid team file name.")
        values = load_params(team, overrides=overrides, params_dir=params_dir)
        for t in topics:
            params = {k: values[k] for k in declared[t]}
            jobs.append(Job(team, t, notebooks_dir / f"{t}.ipynb", params))
    return jobs


def _resolve_as_of(jobs: list[Job]) -> list[Job]:
    """Fill a missing ``as_of`` with the data's last event date, once per data source."""
    from crmlib.data.connect import connect

    cache: dict = {}
    out = []
    for j in jobs:
        if "as_of" in j.parameters and j.parameters["as_of"] is None:
            src = j.parameters.get("source")
            if src not in cache:
                try:
                    with connect(src) as crm:
                        cache[src] = crm.last_event_date().date().isoformat()
                except Exception:  # noqa: BLE001 - this team's reports fail on their own pages
                    log.warning("cannot read %s to find its last event date", src, exc_info=True)
                    cache[src] = None
            if cache[src] is not None:
                j = Job(j.team, j.topic, j.notebook, {**j.parameters, "as_of": cache[src]})
        out.append(j)
    return out


# -- rendering -------------------------------------------------------------------------------
def _header(job: Job, title: str, run_started: str) -> dict:
    from crmlib.i18n import t
    from crmlib.period import resolve_period

    p = job.parameters
    lang = p.get("lang") or "en"
    period = ""
    if p.get("period") and p.get("as_of"):
        try:
            resolved = resolve_period(p["period"], as_of=p["as_of"], start=p.get("period_start"),
                                      end=p.get("period_end"), week_start=p.get("week_start") or 0)
            period = f"{t('preset_' + p['period'], lang)} ({resolved})"
        except ParamsError:
            period = str(p["period"])
    fields = [(t("team", lang), p.get("team_name") or p.get("team") or t("company", lang)),
              (t("period", lang), period), (t("as_of", lang), p.get("as_of") or ""),
              (t("generated_at", lang), run_started)]
    return {"title": title, "fields": fields}


def render_html(nb, header: dict | None = None) -> str:
    """HTML of an executed notebook: outputs only, stderr dropped, no network references."""
    from nbconvert import HTMLExporter

    nb = _strip_for_report(nb)
    quiet = logging.getLogger("crmlib.report.nbconvert")
    quiet.setLevel(logging.ERROR)  # e.g. "Alternative text is missing on 1 image(s)"
    exporter = HTMLExporter(log=quiet, template_name="crm_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"crm_header": header})
    return body


def _strip_for_report(nb):
    import copy

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove_cell", "parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "markdown" and "papermill-error-cell-tag" in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def _title(nb, topic: str) -> str:
    """The report's title: the first ``# `` heading a cell outputs, else in a kept markdown cell."""
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            text = o.get("data", {}).get("text/markdown", "")
            if text.startswith("# "):
                return text[2:].splitlines()[0].strip()
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "remove_cell" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return topic


def _error_page(job: Job, error: str, cell: str, run_started: str) -> str:
    p = job.parameters
    where = (f"Open <code>{html.escape(job.topic)}.ipynb</code> beside this page"
             + (f", cell {html.escape(cell)}" if cell else "") +
             ", or run the notebook in JupyterLab with this team's parameters "
             f"(<code>params/teams/{html.escape(job.team)}.yaml</code>).")
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in p.items())
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Failed: {html.escape(job.topic)} ({html.escape(job.team)})</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}
pre{{background:#fff5f5;border-left:3px solid #c53030;padding:8px;white-space:pre-wrap}}
th{{text-align:left;padding-right:1em}}</style></head><body>
<h1>This report could not be produced</h1>
<p>Topic <b>{html.escape(job.topic)}</b> for team <b>{html.escape(job.team)}</b> failed on
{html.escape(run_started)}. The other reports of this run are not affected.</p>
<h2>What went wrong</h2><pre>{html.escape(error)}</pre>
<h2>Where to look</h2><p>{where}</p>
<h2>Parameters</h2><table>{rows}</table></body></html>"""


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _execute(job: Job, run_tmp: str, run_started: str) -> JobResult:
    """Run one report in a worker process; never raises (failures become error pages)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    out_dir = Path(run_tmp) / job.team
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb = out_dir / f"{job.topic}.ipynb"
    html_path = out_dir / f"{job.topic}.html"
    assert out_dir.resolve().is_relative_to(Path(run_tmp).resolve())
    try:
        papermill.execute_notebook(str(job.notebook), str(ipynb), parameters=job.parameters,
                                   progress_bar=False, cwd=str(job.notebook.parent),
                                   kernel_name="python3",
                                   # the kernel's own start-up chatter is not the report's business
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])
        nb = nbformat.read(ipynb, as_version=4)
        title = _title(nb, job.topic)
        _write_text(html_path, render_html(nb, _header(job, title, run_started)))
        return JobResult(job.team, job.topic, "ok", time.perf_counter() - t0, title=title)
    except PapermillExecutionError as e:
        error = f"{e.ename}: {e.evalue}"
        cell = str(e.exec_count or e.cell_index)
    except Exception as e:  # noqa: BLE001 - any failure becomes this report's error page
        error = f"{type(e).__name__}: {e}\n\n{traceback.format_exc(limit=3)}"
        cell = ""
    _write_text(html_path, _error_page(job, error, cell, run_started))
    return JobResult(job.team, job.topic, "failed", time.perf_counter() - t0, error=error)


def _index_page(results: list[JobResult], meta: dict) -> str:
    teams = sorted({r.team for r in results})
    topics = sorted({r.topic for r in results})
    by = {(r.team, r.topic): r for r in results}
    head = "".join(f"<th>{html.escape(t)}</th>" for t in topics)
    rows = []
    for team in teams:
        cells = []
        for topic in topics:
            r = by.get((team, topic))
            if r is None:
                cells.append("<td></td>")
                continue
            href = html.escape(f"{team}/{topic}.html")
            label = "ok" if r.status == "ok" else "FAILED"
            cls = "ok" if r.status == "ok" else "failed"
            cells.append(f'<td class="{cls}"><a href="{href}">{html.escape(r.title or topic)}'
                         f'</a><br><small>{label}, {r.seconds:.1f} s</small></td>')
        rows.append(f"<tr><th>{html.escape(team)}</th>{''.join(cells)}</tr>")
    info = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>"
                   for k, v in meta.items())
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>CRM reports {html.escape(meta.get('run', ''))}</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #cbd5e0;padding:6px 10px}}
td.ok{{background:#f0fff4}}td.failed{{background:#fff5f5}}</style></head><body>
<h1>CRM reports</h1><ul>{info}</ul>
<table><tr><th>team</th>{head}</tr>{''.join(rows)}</table></body></html>"""


def _new_run_dir(out: Path) -> tuple[str, Path]:
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    name, n = stamp, 1
    while (out / name).exists():
        n += 1
        name = f"{stamp}-{n}"
    return name, out / name


def _point_latest(out: Path, name: str) -> None:
    tmp = out / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(name, tmp)
    os.replace(tmp, out / "latest")


def run_reports(*, teams=None, topics=None, period=None, as_of=None, workers=None, out=None,
                progress=True, notebooks_dir=None, params_dir=None) -> RunResult:
    """Produce every (team, topic) report; see the module docstring for the layout.

    Parameters
    ----------
    teams, topics : list of str, optional
        Team slugs (params/teams/*.yaml) and topic stems; default all.
    period, as_of : str, optional
        Override every team's period preset and as-of date (YYYY-MM-DD).
    workers : int, optional
        Parallel worker processes; default min(2, CPUs).
    out : path, optional
        Reports folder; default ``reports/``.

    Raises
    ------
    ParamsError
        Unknown team, topic or parameter: nothing is run.
    """
    t0 = time.perf_counter()
    overrides = {k: v for k, v in {"period": period, "as_of": as_of}.items() if v is not None}
    jobs = _resolve_as_of(plan_jobs(teams=teams, topics=topics, overrides=overrides,
                                    notebooks_dir=notebooks_dir, params_dir=params_dir))
    out = Path(out or config.REPORTS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".tmp-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    name, final = _new_run_dir(out)
    tmp = out / f".tmp-{name}"
    tmp.mkdir()
    started = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    workers = workers or min(2, os.cpu_count() or 1)
    results: list[JobResult] = []
    try:
        bar = _progress(len(jobs), progress)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_execute, j, str(tmp), started) for j in jobs]
            for f in as_completed(futures):
                r = f.result()
                results.append(r)
                bar.set_postfix_str(f"{r.team}/{r.topic} {r.status}")
                bar.update()
        bar.close()
        results.sort(key=lambda r: (r.team, r.topic))
        meta = {"run": name, "started": started, "reports": len(results),
                "failed": sum(r.status != "ok" for r in results),
                "seconds": f"{time.perf_counter() - t0:.1f}"}
        _write_text(tmp / "index.html", _index_page(results, meta))
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(out, name)
    return RunResult(final, results, time.perf_counter() - t0)


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reports", unit="report", disable=not enabled)


def _parameter_lines(path: Path) -> list[str]:
    import re

    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return re.findall(r"^(\w+)\s*:", cell.source, re.M)
    return []


def check_notebook_params(notebooks_dir=None, params_dir=None) -> list[str]:
    """Problems where a notebook's parameters disagree with params/defaults.yaml (for tests)."""
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

