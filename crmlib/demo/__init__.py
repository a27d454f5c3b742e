"""A reproducible demo CRM: three years of a Chinese B2B software and hardware vendor.

:func:`generate` returns all 19 canonical tables (see :mod:`crmlib.data.schema`) as pandas frames;
:func:`build_demo` writes them to a DuckDB file. The same ``seed`` gives the same data. Events run
from 2023-11-01 (the CRM's go-live) to :data:`DEMO_AS_OF` (2026-10-31); only planned dates
(``expected_close_at``, ``next_followup_at``, ``end_at``, ``due_at``) and the targets of the
rest of the as-of year may lie later. ``lines``
sets the number of contract lines (1k .. 10M); everything else scales with it.

What is in it:

- **Organisation.** 20-200 employees in 3-6 teams: ``east`` (华东大区), ``north`` (华北大区),
  ``global`` (Global Accounts: foreign companies in China, English names), then ``south``,
  ``southwest``, ``central`` as the scale grows. ``team`` holds these ids, ``department`` the
  display name, ``region`` the sales region. ``E0001`` is the sales director (team ``east``), the
  top of every ``manager_id`` chain: director -> team managers -> (group leads in big teams) ->
  reps. Reps join over the years; about one in ten leaves (``active`` false), and their customers
  go to a teammate.
- **Customers** in 19 real provinces, level A/B/C (A = key accounts, 15 %), ten industries
  (Wukong's defaults, with 政府 replaced by 教育, 医疗健康, 批发零售) and seven sources (促销活动,
  搜索引擎, 广告, 转介绍, 线上注册, 线下展会, 电话咨询). About 10 % are accounts carried over at
  the go-live (``created_at`` earlier). About 0.5 % are unmarked near-duplicates of another
  customer: same phone or e-mail, name written differently. Prospects are followed up, then often
  forgotten; after 90 days without follow-up most go to the public pool, some are claimed again.
- **Purchases** follow BG/NBD: Poisson purchases while a customer is alive, dropping out after
  each purchase, with Gamma/Beta heterogeneity; order sizes follow the customer's size, so the top
  20 % of customers hold about 70 % of the revenue. New customers grow about 30 % a year; the
  Spring Festival and National Day weeks are quiet, quarter and year ends busy.
- **Pipeline.** Deals go through :data:`DEMO_STAGES` with their stage history; about 22 % are
  won, most first purchases come from a won deal, open deals sit in their stage on the as-of day.
- **After the sale.** Contracts have lines (``amount`` = their exact sum), statuses (mostly
  approved; recent ones often pending), terms, payment plans, payments (on time, late, partial or
  never), invoices, returns and satisfaction visits. Plus leads with campaign costs, activities
  (follow-ups, sign-ins) and monthly targets per rep and team.

Ids: employees ``E``, products ``P``, customers ``C``, contacts ``LX``, leads ``L``, campaigns
``M``, opportunities ``O``, contracts ``HT``, payments ``HK``, invoices ``FP``, activities ``A``,
visits ``V``, returns ``R``; records are numbered in time order. Dictionary values (industry,
source, reasons, methods) are Chinese text, as a Chinese CRM stores them; the data model's closed
sets (statuses, kinds, channels, outcomes) are its English ids. The builders live in one module
per area: ``org``, ``customers``, ``ownership``, ``sales``, ``money``, ``engagement`` (see each
docstring); ``timeline`` holds the calendar and ``vocab`` the names and reasons drawn from.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.data import store
from crmlib.data.schema import LOAD_ORDER
from crmlib.demo import customers as cu
from crmlib.demo import engagement as en
from crmlib.demo import money as mo
from crmlib.demo import org
from crmlib.demo import ownership as ow
from crmlib.demo import sales as sa
from crmlib.demo.common import choose, stream
from crmlib.demo.org import DEMO_STAGES, Stage
from crmlib.demo.timeline import DEMO_AS_OF, day_of

__all__ = ["generate", "build_demo", "DEMO_AS_OF", "DEMO_STAGES", "Stage"]

_STEPS = ["staff", "customers", "ownership", "contracts", "opportunities", "payments", "leads",
          "activities", "customers_final"]


def generate(*, lines: int = 200_000, seed: int = 0,
             progress: bool = False) -> dict[str, pd.DataFrame]:
    """Generate the demo CRM: one pandas frame per canonical table, with its canonical columns.

    Parameters
    ----------
    lines : int, default=200_000
        About how many ``contract_lines`` rows to make (the scale; 1k .. 10M).
    seed : int, default=0
        Random seed; the same seed gives identical frames.
    progress : bool, default=False
        Show a progress bar on stderr.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Keyed by table name, in :data:`crmlib.data.schema.LOAD_ORDER`.

    Raises
    ------
    ValueError
        If ``lines`` is below 1,000.

    Examples
    --------
    >>> frames = generate(lines=2_000, seed=1)
    >>> sorted(frames) == sorted(LOAD_ORDER)
    True
    """
    with _bar(len(_STEPS), progress) as bar:
        return _generate(int(lines), int(seed), bar)


def build_demo(path: str | os.PathLike, *, lines: int = 200_000, seed: int = 0,
               progress: bool = True) -> Path:
    """Generate the demo CRM and write it to a new DuckDB file at ``path`` (atomically).

    The metadata table records ``generator``, ``seed``, ``lines`` and ``as_of``, and no time of
    generation, so that the same arguments give the same database.

    Parameters
    ----------
    path : str or path
        The DuckDB file.
    lines, seed : int
        As for :func:`generate`.
    progress : bool, default=True
        Show a progress bar on stderr.

    Returns
    -------
    pathlib.Path
        The path.
    """
    with _bar(len(_STEPS) + 1, progress) as bar:
        frames = _generate(int(lines), int(seed), bar)
        bar.set_postfix_str("write")
        meta = {"generator": "crmlib.demo", "seed": int(seed), "lines": int(lines),
                "as_of": DEMO_AS_OF.date().isoformat()}
        out = store.write_duckdb(path, frames, meta=meta)
        bar.update()
    return out


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="demo", unit="step", disable=not enabled, file=sys.stderr)


def _generate(lines: int, seed: int, bar) -> dict[str, pd.DataFrame]:
    """Run the builders in order, turning each area into frames as soon as it is final.

    Each builder draws from its own random stream; intermediate arrays are dropped as soon as
    their frames exist, to keep the peak memory low at 10M lines.
    """
    if lines < 1_000:
        raise ValueError(f"lines={lines:,} is too small for the demo company; use 1,000 or more.")

    def step(name):
        bar.update(name != "staff")
        bar.set_postfix_str(name)
        return stream(seed, name)

    s = org.staff(step("staff"), lines)
    cat = org.catalogue()
    frames = {"employees": org.employees_frame(s), "products": org.products_frame(cat),
              "pipeline_stages": org.pipeline_stages_frame()}
    c, p = cu.customers(step("customers"), lines, s)
    c.first_t, c.last_t = np.full(c.n, np.nan), np.full(c.n, np.nan)
    np.fmin.at(c.first_t, p.cust, p.t)
    np.fmax.at(c.last_t, p.cust, p.t)
    cust_fu = ow.timeline(step("ownership"), c, s)
    k = sa.contracts(step("contracts"), p, c, s, cat)
    del p
    o, hist, opp_fu = sa.opportunities(step("opportunities"), k, c, s, cat)
    frames["stage_history"] = sa.stage_history_frame(hist, o)
    del hist
    frames["opportunities"] = sa.opportunities_frame(o, c, s, cat)
    frames["contracts"] = sa.contracts_frame(k, c, s, cat)
    frames["contract_lines"] = sa.lines_frame(k, cat)
    frames.update(_after_sale(step("payments"), stream(seed, "targets"), k, c, s, cat))
    c.dealt_at = np.full(c.n, np.nan)
    ok = k.status == 0
    np.fmin.at(c.dealt_at, k.cust[ok], k.t[ok])
    del k, ok
    rng = step("leads")
    lead, lead_fu = en.leads(rng, c, s)
    frames["leads"] = en.leads_frame(lead, c, s)
    frames["campaigns"] = en.campaigns_frame(rng, lead)
    act = en.activities(step("activities"), c, s, o, lead, cust_fu, opp_fu, lead_fu)
    del cust_fu, opp_fu, lead_fu
    frames["activities"] = en.activities_frame(act, c, s, o, lead)
    del act, o, lead
    rng = step("customers_final")
    _finish_customers(rng, c, s)
    frames["customers"] = cu.customers_frame(c)
    frames["contacts"] = cu.contacts_frame(rng, c)
    frames["owner_changes"] = ow.owner_changes_frame(c, s)
    bar.update()
    return {name: frames[name] for name in LOAD_ORDER}


def _after_sale(rng, rng_targets, k, c, s, cat) -> dict[str, pd.DataFrame]:
    """Payment plans, payments, invoices, returns and visits of the contracts ``k``; targets."""
    plan, pay = mo.payments(rng, k, c)
    ret = mo.returns(rng, k, cat)
    return {"payment_plans": mo.payment_plans_frame(plan, k),
            "payments": mo.payments_frame(pay, k, c),
            "invoices": mo.invoices_frame(rng, plan, pay, k),
            "returns": mo.returns_frame(ret, k, cat),
            "visits": mo.visits_frame(rng, k, c, s, cat, ret),
            "targets": en.targets_frame(rng_targets, k, pay, c, s)}


def _finish_customers(rng, c, s) -> None:
    """Fields that depend on everything else: final owner, status and the next planned follow-up."""
    owner = ow.owner_at(c, np.arange(c.n), np.full(c.n, np.inf))
    c.owner_id = np.append(s.id, None)[owner]
    u = rng.random(c.n)
    prospect = np.isnan(c.first_t)
    status = np.where(prospect & (u < np.where(owner < 0, 0.08, 0.01)), 2, rng.random(c.n) < 0.015)
    c.status = choose(["active", "locked", "deleted"], status)
    planned = (owner >= 0) & np.isfinite(c.last_followup) & (rng.random(c.n) < 0.6)
    nxt = day_of(c.last_followup) + rng.integers(2, 26, c.n) + 9.5 / 24
    c.next_followup = np.where(planned, nxt, np.nan)
