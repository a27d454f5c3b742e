"""Run a planned set of reports in worker processes and move the finished run into place.

The run is built in a hidden ``.tmp-<run>`` folder and renamed when complete; ``latest`` is then
repointed atomically, so an interrupted run leaves neither a half-written run folder nor a
broken ``latest``. A failing notebook gives an error page; the other reports go on.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from crmlib import config
from crmlib.report import render
from crmlib.report.plan import Job, plan_jobs, resolve_as_of

__all__ = ["JobResult", "RunResult", "run_reports"]


@dataclass
class JobResult:
    """The outcome of one report.

    Attributes
    ----------
    team, topic : str
        The report's team slug and topic stem.
    status : str
        ``ok`` or ``failed``.
    seconds : float
        Wall time of the report.
    error : str
        What went wrong (failed reports).
    title : str
        The report's title (reports that succeeded).
    """

    team: str
    topic: str
    status: str  # ok / failed
    seconds: float
    error: str = ""
    title: str = ""


@dataclass
class RunResult:
    """The outcome of a run: its folder, every report's result and the wall time.

    Attributes
    ----------
    run_dir : Path
        The finished run's folder.
    results : list of JobResult
        One per report, sorted by team and topic.
    seconds : float
        Wall time of the run.
    """

    run_dir: Path
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[JobResult]:
        """Return the results of the reports that failed.

        Returns
        -------
        list of JobResult
            The failed reports, in run order.
        """
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> str:
        """Return the run's summary: how many reports, where, how long, and each failure.

        Returns
        -------
        str
            One line for the run, then one per failed report.
        """
        ok = len(self.results) - len(self.failed)
        lines = [f"{ok} of {len(self.results)} reports written to {self.run_dir} "
                 f"in {self.seconds:.1f} s"]
        lines += [f"  FAILED {r.team}/{r.topic}: {r.error.splitlines()[0] if r.error else ''}"
                  for r in self.failed]
        return "\n".join(lines)


def run_reports(*, teams=None, topics=None, period=None, as_of=None, workers=None, out=None,
                progress=True, notebooks_dir=None, params_dir=None) -> RunResult:
    """Produce every (team, topic) report; see :mod:`crmlib.report` for the layout.

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
    progress : bool, default True
        Show a progress bar.
    notebooks_dir, params_dir : Path, optional
        The topic notebooks and parameters folders; default ``notebooks/`` and ``params/``.

    Returns
    -------
    RunResult
        The run's folder and every report's result.

    Raises
    ------
    ParamsError
        Unknown team, topic or parameter: nothing is run.
    """
    t0 = time.perf_counter()
    overrides = {k: v for k, v in {"period": period, "as_of": as_of}.items() if v is not None}
    jobs = resolve_as_of(plan_jobs(teams=teams, topics=topics, overrides=overrides,
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
        _write_text(tmp / "index.html", render.index_page(results, meta))
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(out, name)
    return RunResult(final, results, time.perf_counter() - t0)


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
        title = render.report_title(nb, job.topic)
        page = render.render_html(nb, render.report_header(job, title, run_started))
        _write_text(html_path, page)
        return JobResult(job.team, job.topic, "ok", time.perf_counter() - t0, title=title)
    except PapermillExecutionError as e:
        error = f"{e.ename}: {e.evalue}"
        cell = str(e.exec_count or e.cell_index)
    except Exception as e:  # noqa: BLE001 - any failure becomes this report's error page
        error = f"{type(e).__name__}: {e}\n\n{traceback.format_exc(limit=3)}"
        cell = ""
    _write_text(html_path, render.error_page(job, error, cell, run_started))
    return JobResult(job.team, job.topic, "failed", time.perf_counter() - t0, error=error)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="reports", unit="report", disable=not enabled)
