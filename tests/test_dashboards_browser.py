"""The Voila dashboards in a real browser: Playwright drives Debian's /usr/bin/chromium.

Voila serves ``notebooks/dashboards/`` with the command line of ``crm dashboard`` on the test
database; each test opens a dashboard, changes team, period and language, and checks that the
figures on the page equal what ``crmlib`` computes for that selection, that Chinese labels and
chart text appear, and that no error text does. Screenshots of every state are written to
``test-artifacts/dashboards/``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api

from crmlib import clv, config, metrics
from crmlib.display import fmt_value
from crmlib.i18n import t
from crmlib.period import resolve_period
from crmlib.privacy import mask_phone
from crmlib.scope import Scope, resolve_scope

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = config.PROJECT_ROOT / "test-artifacts" / "dashboards"
HAN = re.compile(r"[\u4e00-\u9fff]")
ERROR_TEXT = re.compile(r"Traceback|Error|Exception|出错", re.I)
TIMEOUT = 90_000  # ms: a kernel start on a busy 2-core machine



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Voila on a free port with `crm dashboard`'s options, serving the test database; the
    pre-heated kernels have run their notebooks (or the wait gave up) when it yields."""
    from crmlib.dashboards.serve import voila_command

    port = _free_port()
    logfile = tmp_path_factory.mktemp("voila") / "voila.log"
    env = dict(os.environ, CRM_DATA_DIR=str(config.DATA_DIR.resolve()))
    env.pop("CRM_DASHBOARD_SOURCE", None)
    with open(logfile, "w") as log:
        proc = subprocess.Popen(voila_command(port=port), env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = logfile.read_text(errors="replace")
            if text.count("crmlib.dashboards: rendered") >= 2 or proc.poll() is not None:
                break
            time.sleep(0.5)
        assert proc.poll() is None, logfile.read_text(errors="replace")
        urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=10).close()
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        print(logfile.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():  # a setup problem, not a skip (like PostgreSQL's binaries)
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium).")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg = browser.new_page(viewport={"width": 1300, "height": 3200})
    yield pg
    pg.close()


def _open(page, server, notebook):
    page.goto(f"{server}/voila/render/{notebook}", wait_until="domcontentloaded",
              timeout=TIMEOUT)
    return _ready(page, 1)


def _ready(page, seq):
    """Wait for render ``seq`` to finish; return the page's text (checked for errors)."""
    sync_api.expect(page.locator(f'.crm-status[data-seq="{seq}"]:not([data-state=busy])')
                    ).to_be_visible(
        timeout=TIMEOUT)
    state = page.locator(".crm-status").get_attribute("data-state")
    body = page.inner_text("body")
    assert state == "ready", body[:2000]
    assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body).group(0)
    return body


def _select(page, index, label):
    page.locator(".crm-dash select").nth(index).select_option(label=label)


def _section(page, key) -> str:
    return page.locator(f'section[data-section="{key}"]').inner_text()


def _alts(page, key) -> str:
    return page.locator(f'section[data-section="{key}"] img').first.get_attribute("alt")


def _scope(crm, team):
    return resolve_scope(crm, team=team) if team else Scope()


def _check_kpis(page, crm, *, team, period, lang):
    """Every KPI card shows the label and the value of metrics.sales_brief for the selection."""
    as_of = crm.last_event_date()
    brief = metrics.sales_brief(crm, period=resolve_period(period, as_of=as_of),
                                scope=_scope(crm, team))
    text = _section(page, "kpis")
    for r in brief.itertuples(index=False):
        card = f"{t(r.metric, lang)}\n{fmt_value(r.current, r.kind, 'CNY')}"
        assert card in text, (card, text)
    return brief


def test_sales_overview_in_browser(server, page, crm):
    _open(page, server, "sales_overview.ipynb")
    page.screenshot(path=ARTIFACTS / "overview_1_company_last_month.png")
    first = _check_kpis(page, crm, team=None, period="last_month", lang="en")

    _select(page, 0, "east")
    _ready(page, 2)
    page.screenshot(path=ARTIFACTS / "overview_2_east_last_month.png")
    east = _check_kpis(page, crm, team="east", period="last_month", lang="en")
    assert not first["current"].equals(east["current"])
    todo = metrics.todo_list(crm, days=30, as_of=crm.last_event_date(),
                             scope=_scope(crm, "east"))
    r = todo.iloc[0]  # the first rep's header, and their first customer's phone masked
    text = _section(page, "forgotten")
    assert t("fu_rep_header", "en", name=r.owner_name, total=int(r.owner_total),
             forgotten=int(r.owner_forgotten), overdue=int(r.owner_overdue), days=30,
             shown=min(5, int(r.owner_total))) in text
    assert mask_phone(r.phone) in text and r.phone not in text

    _select(page, 2, t("preset_this_quarter", "en"))
    _ready(page, 3)
    page.screenshot(path=ARTIFACTS / "overview_3_east_this_quarter.png")
    quarter = _check_kpis(page, crm, team="east", period="this_quarter", lang="en")
    assert not quarter["current"].equals(east["current"])
    board = metrics.leaderboard(crm, metric="contract_amount", scope=_scope(crm, "east"),
                                period=resolve_period("this_quarter",
                                                      as_of=crm.last_event_date()))
    top = board.iloc[0]
    assert f"{top['name']}\teast\t{fmt_value(top['value'], 'amount', 'CNY')}" in \
        _section(page, "leaderboard")

    _select(page, 3, "中文")
    body = _ready(page, 4)
    page.screenshot(path=ARTIFACTS / "overview_4_east_this_quarter_zh.png")
    _check_kpis(page, crm, team="east", period="this_quarter", lang="zh")
    for key in ("sales_brief", "targets_heading_period", "ordered_funnel", "fu_forgotten"):
        assert t(key, "zh") in body
    assert page.locator(".crm-dash select").nth(2).input_value()  # still this quarter
    for key in ("targets", "trend", "funnel"):
        assert HAN.search(_alts(page, key)), key  # the charts' own text is Chinese
    assert "Sales" not in body and "Contract amount" not in body


def test_customer_value_in_browser(server, page, crm):
    body = _open(page, server, "customer_value.ipynb")
    page.screenshot(path=ARTIFACTS / "value_1_company_last_month.png")
    as_of = resolve_period("last_month", as_of=crm.last_event_date()).last_day
    top = clv.customer_value(crm, as_of=as_of).iloc[0]
    assert f"{top['name']}\t" in _section(page, "clv")
    assert fmt_value(top["clv"], "amount", "CNY") in _section(page, "clv")
    assert t("value_segments_rfm11", "en") in body

    _select(page, 0, "north")
    _ready(page, 2)
    page.screenshot(path=ARTIFACTS / "value_2_north_last_month.png")
    north = clv.customer_value(crm, as_of=as_of, scope=_scope(crm, "north")).iloc[0]
    assert fmt_value(north["clv"], "amount", "CNY") in _section(page, "clv")
    seg = metrics.segment_summary(metrics.rfm(crm, as_of=as_of, scope=_scope(crm, "north")),
                                  scheme="rfm11")
    champions = seg.set_index("segment").loc["champions"]
    assert f"{t('rfm_seg_champions', 'en')}\t{int(champions['customers']):,}" in \
        _section(page, "segments")

    _select(page, 3, "中文")
    body = _ready(page, 3)
    page.screenshot(path=ARTIFACTS / "value_3_north_last_month_zh.png")
    for key in ("value_segments_rfm11", "clv_top_heading", "clv_risk_heading"):
        assert t(key, "zh") in body
    assert HAN.search(_alts(page, "segments")) and HAN.search(_alts(page, "pareto"))
    assert fmt_value(north["clv"], "amount", "CNY") in _section(page, "clv")
