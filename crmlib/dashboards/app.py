"""The ipywidgets wiring of the dashboards: selection widgets -> a dashboard function -> HTML.

The callbacks hold no data logic: they read the widgets, call a section generator of
:mod:`crmlib.dashboards.overview` or :mod:`crmlib.dashboards.value_dashboard` and put each section's HTML
into its widget as soon as it is ready. Viewers never see a traceback: an exception becomes a
plain sentence on the page and its traceback goes to the server's log (the process's stderr).
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import sys
import time
import warnings
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

try:
    import ipywidgets as widgets
except ImportError as e:  # pragma: no cover - the dashboard extra is installed with `make`
    raise ImportError("crmlib.dashboards needs `ipywidgets`; run `make test` or "
                      "`pip install -e .[lab,dashboard]`.") from e

from crmlib.dashboards.common import SOURCE_ENV, connect_source, dashboard_context
from crmlib.dashboards.workers import SectionError, SectionPool, default_workers
from crmlib.engine import parse_day, report_day
from crmlib.exceptions import CRMError
from crmlib.i18n import t
from crmlib.period import PRESETS

__all__ = ["LANG_NAMES", "SOURCE_ENV", "DashboardApp", "sales_overview_app",
           "customer_value_app"]

# Each language is offered in its own name, whatever the page's language.
LANG_NAMES = {"en": "English", "zh": "中文"}

_WARNED: set[str] = set()
CACHE_SIZE = 32  # selections whose rendered sections are kept, per kernel

log = logging.getLogger("crmlib.dashboards")
if not log.handlers:  # the kernel's sys.stderr goes to the page; the real stderr to the log
    _handler = logging.StreamHandler(sys.__stderr__)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

_CSS = """<style>
.crm-dash h2 {margin: 4px 0} .crm-dash h3 {margin: 14px 0 4px 0}
.crm-dash table {border-collapse: collapse; font-size: 0.9em}
.crm-dash td, .crm-dash th {padding: 2px 8px; border-bottom: 1px solid #e2e8f0}
.crm-dash .crm-status {color: #4a5568; font-size: 0.85em}
.crm-dash .crm-error {color: #9b2c2c}
</style>"""


class DashboardApp:
    """Selection widgets, a title, a status line and one HTML widget per section.

    ``widget`` is what a notebook displays; :meth:`refresh` re-renders for the current selection
    (the widgets call it on every change); the last :data:`CACHE_SIZE` selections are kept. Each
    render increments ``seq``; the status line carries it as ``data-seq`` and ``data-state``
    (busy / ready / error) for browser tests.

    Parameters
    ----------
    crm : crmlib.CRM
        The data.
    section : callable
        ``section(ctx, key)`` makes the :class:`~crmlib.dashboards.common.Section` ``key`` of
        one selection.
    keys : list of str
        The sections, in display order.
    groups : list of list of str, optional
        The keys each worker process renders (see :class:`~crmlib.dashboards.workers.SectionPool`;
        None: one group of every key).
    title_key : str
        Label-catalogue key of the dashboard's title.
    source : str or path, optional
        What worker processes connect to; one that is not a path or URL renders in the kernel.
    workers : int, optional
        Worker processes (None: :func:`~crmlib.dashboards.workers.default_workers`; 0: render
        in the kernel).
    lang, period, team, employee : str, optional
        The initial selection, as for :meth:`refresh`.
    as_of : date-like, optional
        The report's day, read once (None: the data's last event date).
    currency : str, default='CNY'
        Currency of the amounts (not converted).
    """

    def __init__(self, crm, section, keys, groups=None, *, title_key: str, source=None,
                 workers: int | None = None, lang="en", period="last_month", team=None,
                 employee=None, as_of=None, currency="CNY"):
        self.crm, self.section, self.keys, self.title_key = crm, section, keys, title_key
        self.as_of = report_day(crm, as_of)
        self.currency = currency
        self.seq, self._last, self._hold, self._cache = 0, None, 0, {}
        self.ctx = None
        workers = default_workers() if workers is None else int(workers)
        self.pool = (SectionPool(source, section, groups or [keys], workers)
                     if workers > 0 and _reopenable(source) else None)
        emp = crm.table("employees").select("employee_id", "name", "team").to_pandas()
        self._employees = emp.sort_values(["team", "employee_id"], na_position="last")
        self._teams = sorted(self._employees["team"].dropna().unique())
        style = {"description_width": "initial"}
        self.team = widgets.Dropdown(value=team or "", options=self._team_options(lang),
                                     style=style)
        self.employee = widgets.Dropdown(options=self._employee_options(team, lang),
                                         value=employee or "", style=style)
        self.period = widgets.Dropdown(options=self._period_options(lang), value=period,
                                       style=style)
        self.start = widgets.DatePicker(style=style)
        self.end = widgets.DatePicker(style=style)
        self.lang = widgets.Dropdown(options=[(v, k) for k, v in LANG_NAMES.items()],
                                     value=lang, style=style)
        self.title = widgets.HTML()
        self.status = widgets.HTML()
        self.outputs = {k: widgets.HTML(layout=widgets.Layout(width="100%")) for k in keys}
        self.team.observe(self._on_team, "value")
        self.period.observe(self._on_period, "value")
        self.lang.observe(self._on_lang, "value")
        self._labels(lang)
        self._show_dates(period)
        controls = {"team": self.team, "employee": self.employee, "period": self.period,
                    "start": self.start, "end": self.end, "lang": self.lang}
        # calls refresh now and on every change of a control
        hidden = widgets.interactive_output(self.refresh, controls)
        bar = widgets.HBox([self.team, self.employee, self.period, self.start, self.end,
                            self.lang], layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([widgets.HTML(_CSS), bar, self.title, self.status,
                                    *self.outputs.values(), hidden])
        self.widget.add_class("crm-dash")
        if self.pool is not None and self._teams:
            # a first team selection in every worker, result dropped: a team's first view no
            # longer pays for what the company view did not touch (lazy imports, caches)
            t0 = time.perf_counter()
            self.pool.warm(self._selection(self._teams[0], None, period, None, None, lang),
                           done=lambda: log.info("warmed up in %.2f s", time.perf_counter() - t0))
        else:
            log.info("warmed up in 0.00 s (no worker processes)")

    def _selection(self, team, employee, period, start, end, lang) -> dict:
        """Return the keyword arguments of :func:`dashboard_context` for one selection."""
        return dict(team=team, employee=employee, period=period, start=start, end=end,
                    lang=lang, as_of=self.as_of, currency=self.currency)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --------------------------------------------------------------------------- options
    def _team_options(self, lang):
        return [(t("company", lang), "")] + [(x, x) for x in self._teams]

    def _employee_options(self, team, lang):
        e = self._employees
        if team:
            e = e[e["team"] == team]
        return [(t("dash_all_employees", lang), "")] + [
            (f"{r.name} ({r.employee_id})", r.employee_id) for r in e.itertuples(index=False)]

    def _period_options(self, lang):
        return [(t(f"preset_{p}", lang), p) for p in PRESETS]

    def _labels(self, lang):
        for w, key in ((self.team, "team"), (self.employee, "employee"),
                       (self.period, "period"), (self.start, "dash_start"),
                       (self.end, "dash_end"), (self.lang, "dash_language")):
            w.description = t(key, lang)

    def _show_dates(self, period):
        for w in (self.start, self.end):
            w.layout.display = None if period == "custom" else "none"

    def _relabel(self, widget, options):
        value = widget.value
        widget.options = options
        widget.value = value if value in [v for _, v in options] else options[0][1]

    # --------------------------------------------------------------------------- events
    @contextlib.contextmanager
    def _holding(self):
        """No render while widgets are updated in steps (nested holds allowed)."""
        self._hold += 1
        try:
            yield
        finally:
            self._hold -= 1

    def _on_team(self, change):
        if self._hold:
            return  # a relabel in progress
        with self._holding():
            self._relabel(self.employee, self._employee_options(change["new"], self.lang.value))

    def _on_period(self, change):
        self._show_dates(change["new"])
        if change["new"] == "custom" and self.ctx is not None and (
                self.start.value is None or self.end.value is None):
            with self._holding():  # start from the period shown so far
                self.start.value = self.ctx.period.start.date()
                self.end.value = self.ctx.period.last_day.date()

    def _on_lang(self, change):
        lang = change["new"]
        with self._holding():
            self._labels(lang)
            self._relabel(self.team, self._team_options(lang))
            self._relabel(self.employee, self._employee_options(self.team.value, lang))
            self._relabel(self.period, self._period_options(lang))

    # --------------------------------------------------------------------------- render
    def _status(self, state: str, text: str) -> None:
        self.status.value = (f'<span class="crm-status crm-{state}" data-state="{state}" '
                             f'data-seq="{self.seq}">{html.escape(text)}</span>')

    def refresh(self, team=None, employee=None, period="last_month", start=None, end=None,
                lang="en") -> None:
        """Render the dashboard for a selection (what the widgets call); never raises.

        Parameters
        ----------
        team : str, optional
            A team id (None: the whole company).
        employee : str, optional
            An employee id; wins over ``team`` (with subordinates).
        period : str, default='last_month'
            A period preset of :data:`crmlib.period.PRESETS`, or ``"custom"``.
        start : date-like, optional
            First day of a ``custom`` period.
        end : date-like, optional
            Last day (included) of a ``custom`` period.
        lang : str, default='en'
            Language of the labels, ``"en"`` or ``"zh"``.
        """
        custom = period == "custom"
        key = (team or None, employee or None, period, start if custom else None,
               end if custom else None, lang)
        if self._hold or key == self._last:
            return
        self._last = key
        self.seq += 1
        t0 = time.perf_counter()
        self._status("busy", t("dash_loading", lang))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.ctx = ctx = dashboard_context(
                    self.crm, team=key[0], employee=key[1], period=period,
                    start=_optional_day(key[3], "start"),
                    end=_optional_day(key[4], "end"), lang=lang, as_of=self.as_of,
                    currency=self.currency)
                self.title.value = (f"<h2>{html.escape(t(self.title_key, lang))}</h2><p>"
                                    + html.escape(t("dash_subtitle", lang, scope=_scope_name(
                                        ctx), period=str(ctx.period),
                                        as_of=f"{ctx.as_of:%Y-%m-%d}")) + "</p>")
                shown = self._cache.get(key)
                if shown is None:  # each section appears as soon as it is computed
                    shown = self._render(ctx, self._selection(
                        key[0], key[1], period, _optional_day(key[3], "start"),
                        _optional_day(key[4], "end"), lang))
                    self._cache[key] = shown
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.pop(next(iter(self._cache)))
                else:
                    for k, v in shown.items():
                        self.outputs[k].value = v
            _log_warnings((w.category.__name__, str(w.message)) for w in caught)
            took = time.perf_counter() - t0
            log.info("rendered %s in %.2f s", key, took)
            self._status("ready", t("dash_updated", lang, seconds=f"{took:.1f}"))
        except Exception as e:  # noqa: BLE001 - shown as one plain sentence, logged in full
            if isinstance(e, SectionError):  # raised in a worker: its traceback came along
                log.error("dashboard failed for %s in a worker:\n%s", key, e.remote)
            else:
                log.exception("dashboard failed for %s", key)
            for w in self.outputs.values():
                w.value = ""
            text = t("dash_error", lang if lang in LANG_NAMES else "en")
            if isinstance(e, CRMError) or getattr(e, "plain", False):
                text = f"{t('dash_bad_selection', lang)} {e}"  # our errors name the problem
            self._status("error", text)

    def _render(self, ctx, selection: dict) -> dict[str, str]:
        """Return each section's HTML for ``ctx``, put on the page as soon as it is ready.

        ``selection`` holds its arguments, for the workers.
        """
        shown: dict[str, str] = {}
        if self.pool is not None:
            futures: dict = {}
            try:
                futures.update((self.pool.submit(k, selection), k) for k in self.keys)
                for done in as_completed(futures):
                    html_, caught = done.result()
                    shown[futures[done]] = self.outputs[futures[done]].value = html_
                    _log_warnings(caught)
            except BrokenProcessPool:  # a worker died (memory?): carry on in the kernel
                log.exception("a dashboard worker process died; rendering in the kernel")
                self.pool.close()
                self.pool = None
            finally:
                for f in futures:
                    f.cancel()
        for k in self.keys:
            if k not in shown:
                shown[k] = self.outputs[k].value = self.section(ctx, k)._repr_html_()
        return shown

    def close(self) -> None:
        """Stop the worker processes (they also stop when the kernel ends)."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def _optional_day(value, name: str):
    """Return a date widget's value as a report day (None stays None)."""
    return None if value is None else parse_day(value, name)


def _scope_name(ctx) -> str:
    return t("company", ctx.lang) if ctx.scope.kind == "company" else str(ctx.scope.value)


def _reopenable(source) -> bool:
    """Return whether worker processes can open ``source`` themselves.

    A path or URL (or the default) can, but not a Spark master (each process would start a Spark application of its own).
    """
    if source is not None and not isinstance(source, (str, Path)):
        return False  # an open backend or CRM
    resolved = str(source or os.environ.get(SOURCE_ENV) or "")
    return not resolved.startswith("spark://")


def _log_warnings(caught) -> None:
    """(category name, message) pairs to the server log, once per message and kernel."""
    for category, text in caught:
        if text not in _WARNED:
            _WARNED.add(text)
            log.warning("%s: %s", category, text)


def sales_overview_app(source=None, *, workers: int | None = None, **selection) -> DashboardApp:
    """Build the sales overview dashboard, ready to display in a notebook or Voila.

    Parameters
    ----------
    source : str or path, optional
        The data source, as for :func:`crmlib.connect` (None: ``$CRM_DASHBOARD_SOURCE`` or the
        embedded data).
    workers : int, optional
        Processes that render the sections (None:
        :func:`~crmlib.dashboards.workers.default_workers`).
    **selection
        The initial selection: ``team``, ``employee``, ``period``, ``lang``, ``as_of`` and
        ``currency`` (see :class:`DashboardApp`).

    Returns
    -------
    DashboardApp
        The app of the overview sections (:data:`~crmlib.dashboards.overview.OVERVIEW_SECTIONS`).
    """
    from crmlib.dashboards.overview import OVERVIEW_GROUPS, OVERVIEW_SECTIONS, overview_section

    return DashboardApp(connect_source(source), overview_section, OVERVIEW_SECTIONS,
                        OVERVIEW_GROUPS, title_key="dash_overview_title", source=source,
                        workers=workers, **selection)


def customer_value_app(source=None, *, workers: int | None = None, **selection) -> DashboardApp:
    """Build the customer value dashboard, ready to display (arguments as :func:`sales_overview_app`).

    Parameters
    ----------
    source : str or path, optional
        The data source, as for :func:`crmlib.connect`.
    workers : int, optional
        Processes that render the sections (None: the default).
    **selection
        The initial selection: ``team``, ``employee``, ``period``, ``lang``, ``as_of`` and
        ``currency`` (see :class:`DashboardApp`).

    Returns
    -------
    DashboardApp
        The app of the customer value sections
        (:data:`~crmlib.dashboards.value_dashboard.VALUE_SECTIONS`).
    """
    from crmlib.dashboards.value_dashboard import VALUE_GROUPS, VALUE_SECTIONS, value_section

    return DashboardApp(connect_source(source), value_section, VALUE_SECTIONS, VALUE_GROUPS,
                        title_key="dash_value_title", source=source, workers=workers,
                        **selection)
