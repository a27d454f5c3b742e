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

The modules: :mod:`~crmlib.report.plan` (teams, topics, parameters -> jobs),
:mod:`~crmlib.report.run` (worker processes, the atomic run folder),
:mod:`~crmlib.report.render` (report, error and index pages from the templates in
``crmlib/report/templates/``) and :mod:`~crmlib.report.check` (notebook parameters against
``params/defaults.yaml``).
"""

from __future__ import annotations

from crmlib.report.check import check_notebook_params
from crmlib.report.plan import (
    NOTEBOOKS_DIR,
    Job,
    discover_topics,
    notebook_parameters,
    plan_jobs,
    resolve_as_of,
)
from crmlib.report.render import TEMPLATES, render_html
from crmlib.report.run import JobResult, RunResult, run_reports

__all__ = ["NOTEBOOKS_DIR", "TEMPLATES", "Job", "JobResult", "RunResult", "discover_topics",
           "notebook_parameters", "plan_jobs", "resolve_as_of", "run_reports", "render_html",
           "check_notebook_params"]
