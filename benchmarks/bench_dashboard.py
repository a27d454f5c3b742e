"""Browser benchmark of the Voila dashboards on the 1M-line demo.

    python benchmarks/bench_dashboard.py [--db /tmp/demo1m.duckdb] [--no-preheat] [--team east] [--other north]

Builds the demo if ``--db`` is missing (``crm demo --scale 1000000``), serves
``notebooks/dashboards/`` with ``crm dashboard``'s command line, and drives Debian's chromium with
Playwright. Prints, per dashboard, in seconds: ``kernel`` (server start until the pre-heated
kernels have run their notebooks; with ``--no-preheat`` nothing is pre-heated), ``first render``
(page open until every section is shown), ``interaction first`` (a team change right after the
page opened, until the first section shows the new figures) and ``interaction all`` (until every
section does), then ``settled first`` / ``settled all``: the same for a second team (``--other``)
once Voila has refilled its pool of pre-heated kernels (opening a page starts a new kernel that
runs the notebook, which competes for the CPU with the first interactions).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from crmlib.dashboards.serve import voila_command  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 300_000  # ms


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _done(page, seq: int):
    # polled on every animation frame: `expect` polls at 100, 250, 500, 1000 ms, which would
    # add up to half a second to a timing
    page.wait_for_function(
        f"""() => {{const s = document.querySelector('.crm-status[data-seq="{seq}"]');
                   return s !== null && s.dataset.state !== 'busy';}}""",
        polling="raf", timeout=TIMEOUT)
    state = page.locator(".crm-status").get_attribute("data-state")
    if state != "ready":
        raise RuntimeError(page.locator(".crm-status").inner_text())


def _change(page, first: str, seq: int, label: str) -> tuple[float, float]:
    """Select team ``label``; seconds until the first section changed, and until all did."""
    sel = f"section[data-section={first}]"
    old = page.locator(sel).inner_text()
    t0 = time.perf_counter()
    page.locator(".crm-dash select").nth(0).select_option(label=label)
    page.wait_for_function(f"(old) => document.querySelector('{sel}').innerText !== old",
                           arg=old, polling="raf", timeout=TIMEOUT)
    first_s = time.perf_counter() - t0
    _done(page, seq)
    return first_s, time.perf_counter() - t0


def measure(page, base: str, notebook: str, first: str, team: str, settled, other: str) -> dict:
    t0 = time.perf_counter()
    page.goto(f"{base}/voila/render/{notebook}", wait_until="domcontentloaded", timeout=TIMEOUT)
    _done(page, 1)
    out = {"first render": time.perf_counter() - t0}
    # at once: Voila is refilling its pool (a new kernel runs the notebook) at the same time
    out["interaction first"], out["interaction all"] = _change(page, first, 2, team)
    settled()  # the new pool kernel has rendered: the machine is quiet again
    out["settled first"], out["settled all"] = _change(page, first, 3, other)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/demo1m.duckdb"))
    ap.add_argument("--team", default="east", help="team selected for the interaction")
    ap.add_argument("--other", default="north", help="team selected once the pool is refilled")
    ap.add_argument("--no-preheat", dest="preheat", action="store_false")
    args = ap.parse_args(argv)
    if not args.db.exists():
        subprocess.run([sys.executable, "-m", "crmlib.cli", "demo", "--scale", "1000000",
                        "--out", str(args.db), "--quiet"], check=True)
    port = _port()
    log = Path(tempfile.mkdtemp()) / "voila.log"
    env = dict(os.environ, CRM_DASHBOARD_SOURCE=str(args.db.resolve()))
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(voila_command(port=port, preheat=args.preheat), env=env,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        while True:  # the server answers; then (pre-heating) both pools are filled
            try:
                urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        # each pre-heated kernel logs "crmlib.dashboards: warmed up" once it has run its
        # notebook and its worker processes have rendered a team once
        while args.preheat and log.read_text(errors="replace").count(
                "crmlib.dashboards: warmed up") < 2:
            if time.perf_counter() - t0 > TIMEOUT / 1000:
                raise RuntimeError("the kernel pools were not filled in time")
            time.sleep(0.3)
        kernel = time.perf_counter() - t0
        rendered = "crmlib.dashboards: warmed up"  # a kernel has rendered and warmed up

        def settled(count=[2]):  # noqa: B006 - counts pool refills across both dashboards
            count[0] += 1
            while log.read_text(errors="replace").count(rendered) < count[0]:
                if time.perf_counter() - t0 > 4 * TIMEOUT / 1000:
                    raise RuntimeError("the kernel pool was not refilled in time")
                time.sleep(0.3)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=ARGS)
            for nb, first in (("sales_overview.ipynb", "kpis"),
                              ("customer_value.ipynb", "segments")):
                page = browser.new_page(viewport={"width": 1300, "height": 3000})
                results[nb] = {"kernel": kernel if args.preheat else float("nan"),
                               **measure(page, base, nb, first, args.team,
                                         settled if args.preheat else lambda: None,
                                         args.other)}
                page.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    print(f"{args.db} ({'pre-heated kernels' if args.preheat else 'no pre-heating'}), "
          f"team {args.team}; seconds")
    cols = ["kernel", "first render", "interaction first", "interaction all", "settled first",
            "settled all"]
    print(f"{'dashboard':<22}" + "".join(f"{c:>18}" for c in cols))
    for nb, r in results.items():
        print(f"{nb:<22}" + "".join(f"{r[c]:>18.2f}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
