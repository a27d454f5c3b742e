"""Render the run's pages: a report from its executed notebook, an error page, the run's index.

All three come from Jinja2 templates under ``crmlib/report/templates/``: ``crm_report/`` is the
nbconvert template of a report (no code, no prompts, nothing from the network); ``pages/`` holds
the error page and the index. Every value from the data is escaped by the templates.
"""

from __future__ import annotations

import copy
import html
import logging
from functools import cache
from pathlib import Path

from crmlib.exceptions import ParamsError

__all__ = ["TEMPLATES", "report_header", "render_html", "strip_for_report", "report_title",
           "error_page", "index_page"]

TEMPLATES = Path(__file__).parent / "templates"


def report_header(job, title: str, run_started: str) -> dict:
    """Return the header of a report page: its title, team, period, as-of date and run time.

    Parameters
    ----------
    job : Job
        The report's job; its parameters give team, language, period and as-of date.
    title : str
        The report's title (see :func:`report_title`).
    run_started : str
        When the run started, e.g. ``2026-12-03 18:48``.

    Returns
    -------
    dict
        ``{"title": str, "fields": [(label, value), ...]}``, labels in the team's language,
        as the ``crm_report`` template reads it.
    """
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
    """Return the HTML of an executed notebook: outputs only, stderr dropped, no network references.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    header : dict, optional
        The page header (see :func:`report_header`); none without it.

    Returns
    -------
    str
        A self-contained HTML page (images embedded).
    """
    from nbconvert import HTMLExporter

    nb = strip_for_report(nb)
    quiet = logging.getLogger("crmlib.report.nbconvert")
    quiet.setLevel(logging.ERROR)  # e.g. "Alternative text is missing on 1 image(s)"
    exporter = HTMLExporter(log=quiet, template_name="crm_report",
                            extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"crm_header": header})
    return body


def strip_for_report(nb):
    """Return a copy of a notebook without what a reader should not see.

    Dropped: cells tagged ``remove_cell``, the parameters cells, papermill's error banner and
    stderr outputs (then code cells left without output).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook; it is not changed.

    Returns
    -------
    nbformat.NotebookNode
        The stripped copy.
    """
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


def report_title(nb, topic: str) -> str:
    """Return a report's title: the first ``# `` heading a cell outputs, else in a kept markdown cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    topic : str
        The topic stem, the title when the notebook has no heading.

    Returns
    -------
    str
        The heading's text without ``# `` (``topic`` when there is none).
    """
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


def error_page(job, error: str, cell: str, run_started: str) -> str:
    """Return the page written in place of a report whose notebook failed.

    Parameters
    ----------
    job : Job
        The failed report's job (topic, team and parameters are shown).
    error : str
        What went wrong, e.g. ``ValueError: ...``.
    cell : str
        The failing cell's execution count or index; ``""`` when unknown.
    run_started : str
        When the run started.

    Returns
    -------
    str
        A self-contained HTML page.
    """
    return _page("error.html.j2", job=job, error=error, cell=cell, run_started=run_started)


def index_page(results: list, meta: dict) -> str:
    """Return the run's index: a table of teams by topics, each report with its status.

    Parameters
    ----------
    results : list of JobResult
        The run's results.
    meta : dict
        Facts about the run (run name, start, counts, seconds), listed above the table.

    Returns
    -------
    str
        A self-contained HTML page linking to every report.
    """
    teams = sorted({r.team for r in results})
    topics = sorted({r.topic for r in results})
    by = {(r.team, r.topic): r for r in results}
    rows = [(team, [_index_cell(by.get((team, topic)), team, topic) for topic in topics])
            for team in teams]
    return _page("index.html.j2", meta=meta, topics=topics, rows=rows)


def _index_cell(r, team: str, topic: str) -> dict | None:
    if r is None:
        return None
    ok = r.status == "ok"
    return {"status": "ok" if ok else "failed", "href": f"{team}/{topic}.html",
            "title": r.title or topic, "label": "ok" if ok else "FAILED",
            "seconds": f"{r.seconds:.1f}"}


def _escaped(value):
    # Escape as html.escape does (&quot; and &#x27; for quotes), so the pages keep their bytes;
    # autoescape then leaves the Markup as it is.
    from markupsafe import Markup

    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


@cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "pages"),
                              autoescape=True, finalize=_escaped,
                              undefined=jinja2.StrictUndefined)


def _page(name: str, **values) -> str:
    return _environment().get_template(name).render(**values)
