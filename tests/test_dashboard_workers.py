"""Dashboard sections rendered in worker processes equal those rendered in the kernel.

Runs on the test demo ($CRM_DATA_DIR/crm.duckdb), which each worker opens itself (read-only).
"""

from __future__ import annotations

import os
import signal

import pytest

from crmlib.dashboards import overview, value_dashboard
from crmlib.dashboards.common import dashboard_context
from crmlib.dashboards.workers import SectionError, SectionPool, default_workers


@pytest.fixture(scope="module")
def pool():
    p = SectionPool(None, overview.overview_section, overview.OVERVIEW_GROUPS, 2)
    yield p
    p.close()


def _selection(crm, **kw):
    return dict(dict(team=None, employee=None, period="last_month", start=None, end=None,
                     lang="en", as_of=crm.last_event_date(), currency="CNY"), **kw)


@pytest.mark.parametrize("team, lang", [("east", "en"), (None, "zh")])
def test_workers_render_what_the_kernel_renders(crm, pool, team, lang):
    sel = _selection(crm, team=team, lang=lang)
    ctx = dashboard_context(crm, **sel)
    futures = {k: pool.submit(k, sel) for k in overview.OVERVIEW_SECTIONS}
    for key, fut in futures.items():
        html, caught = fut.result(timeout=120)
        # byte for byte, charts (PNG) included; the workers also reuse the follow-up table
        assert html == overview.overview_section(ctx, key)._repr_html_(), key
        assert isinstance(caught, list)
    # each group of sections has its own process
    where = [{pool._process[k] for k in group} for group in overview.OVERVIEW_GROUPS]
    assert where == [{0}, {1}]


def test_value_sections_in_workers(crm):
    p = SectionPool(None, value_dashboard.value_section, value_dashboard.VALUE_GROUPS, 2)
    try:
        sel = _selection(crm, team="north", period="this_year")
        ctx = dashboard_context(crm, **sel)
        for key in value_dashboard.VALUE_SECTIONS:
            assert p.submit(key, sel).result(timeout=180)[0] == \
                value_dashboard.value_section(ctx, key)._repr_html_(), key
    finally:
        p.close()


def test_worker_errors_come_back_as_text(crm, pool):
    with pytest.raises(SectionError) as e:  # our own error: worth showing to the viewer
        pool.submit("kpis", _selection(crm, team="nowhere")).result(timeout=60)
    assert e.value.plain and "unknown team `nowhere`" in str(e.value)
    assert "Traceback" in e.value.remote
    with pytest.raises(SectionError) as e:  # anything else: not plain, traceback kept
        pool.submit("kpis", _selection(crm, lang="xx")).result(timeout=60)
    assert not e.value.plain and "Traceback" in e.value.remote


def test_app_carries_on_in_the_kernel_when_a_worker_dies(crm, capfd):
    from crmlib.dashboards.app import sales_overview_app

    a = sales_overview_app(None, workers=2)
    try:
        assert a.pool is not None and 'data-state="ready"' in a.status.value
        victim = next(iter(a.pool._pools[0]._processes.values()))
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(30)
        a.team.value = "east"
        assert a.pool is None  # closed; this and later selections render in the kernel
        assert 'data-state="ready"' in a.status.value
        ctx = dashboard_context(crm, **_selection(crm, team="east"))
        assert a.outputs["kpis"].value == overview.overview_section(ctx, "kpis")._repr_html_()
        assert "worker process died" in capfd.readouterr().err  # the server log
    finally:
        a.close()


def test_no_workers_for_objects_or_zero(crm):
    from crmlib.dashboards.app import sales_overview_app

    assert sales_overview_app(crm.backend, workers=2).pool is None  # cannot be reopened
    assert sales_overview_app(None, workers=0).pool is None


def test_no_workers_for_spark(monkeypatch):
    from crmlib.dashboards.app import _reopenable

    assert _reopenable(None) and _reopenable("/data/crm.duckdb") and _reopenable(
        "postgresql://u@h/db")
    assert not _reopenable("spark://local[2]") and not _reopenable(object())
    monkeypatch.setenv("CRM_DASHBOARD_SOURCE", "spark://host:7077?database=crm")
    assert not _reopenable(None)  # each worker would start a Spark application


def test_default_workers(monkeypatch):
    monkeypatch.setenv("CRM_DASHBOARD_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("CRM_DASHBOARD_WORKERS", "0")
    assert default_workers() == 0
    monkeypatch.delenv("CRM_DASHBOARD_WORKERS")
    assert default_workers() == (2 if (os.cpu_count() or 1) >= 2 else 0)
    for bad in ("two", "-1"):
        monkeypatch.setenv("CRM_DASHBOARD_WORKERS", bad)
        with pytest.raises(ValueError, match="CRM_DASHBOARD_WORKERS"):
            default_workers()
