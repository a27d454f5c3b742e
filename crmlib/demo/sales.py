"""Contracts with their lines, and opportunities with their stage history.

Every purchase of the plan becomes a contract owned by the customer's owner at signing. Most
first purchases and a quarter of repeat purchases come from a won opportunity; lost and invalid
opportunities are added so that about 22 % of all deals are won, with the drop-off
100 % -> 70 % -> 45 % -> 30 % -> 22 % over the open stages. Deals still running on the as-of
day (including some that would be won later) are open, in the stage they had reached.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmlib.demo import vocab
from crmlib.demo.common import (
    cents,
    choose,
    group_starts,
    ids,
    join,
    money,
    pick,
    rank_in_group,
    weighted,
)
from crmlib.demo.org import DEMO_STAGES, RETIRE_DAY
from crmlib.demo.ownership import events, owner_at
from crmlib.demo.timeline import END, N_DAYS, at_work, day_of, sample_times, to_datetime

__all__ = ["contracts", "contracts_frame", "lines_frame", "opportunities", "opportunities_frame",
           "stage_history_frame", "STATUSES"]

STATUSES = ["approved", "pending", "rejected", "void", "draft"]
WON, LOST, INVALID = 4, 5, 6  # indexes of DEMO_STAGES
LOST_AT = [0.385, 0.32, 0.19, 0.105]  # share of lost deals whose last open stage is 1..4
TERMS = [(3, 5), (6, 10), (12, 60), (24, 15), (36, 10)]  # contract months, weight


def _status(rng, t) -> np.ndarray:
    """Approval status: recent contracts are often pending or drafts; a few are rejected or void."""
    u = rng.random(len(t))
    recent = t > END - 20
    st = np.zeros(len(t), dtype=np.int64)
    st[recent & (u < 0.4)] = 1
    st[recent & (u >= 0.4) & (u < 0.5)] = 4
    old = ~recent
    st[old & (u < 0.02)] = 2
    st[old & (u >= 0.02) & (u < 0.035)] = 3
    st[old & (u >= 0.035) & (u < 0.04)] = 4
    st[old & (u >= 0.04) & (u < 0.045)] = 1
    return st


def _lines(rng, k, c, cat) -> SimpleNamespace:
    """Contract lines: products by popularity (withdrawn ones replaced), quantity by size."""
    row = np.repeat(np.arange(k.n), k.lines)
    prod = rng.choice(cat.n, len(row), p=cat.popularity / cat.popularity.sum())
    prod = np.where((k.t[row] >= RETIRE_DAY) & ~cat.active[prod], cat.successor[prod], prod)
    keep = ~pd.Series(row * cat.n + prod).duplicated().to_numpy()  # one line per product
    row, prod = row[keep], prod[keep]
    cust = k.cust[row]
    qty = cat.qty[prod] * c.size[cust] ** 0.8 * rng.gamma(2.0, 0.5, len(row))
    qty = np.maximum(1, np.round(qty))
    disc = np.round(np.minimum(rng.beta(1.6, 14, len(row)) + 0.04 * (c.level[cust] == 0), 0.3), 2)
    disc[rng.random(len(row)) < 0.35] = 0.0
    amount = cents(qty * cat.price[prod] * (1 - disc))
    counts = np.bincount(row, minlength=k.n)
    return SimpleNamespace(n=len(row), contract=row, product=prod, quantity=qty,
                           unit_price=cat.price[prod], discount=disc, cents=amount,
                           line_no=rank_in_group(counts) + 1, first=group_starts(counts))


def contracts(rng, p, c, s, cat) -> SimpleNamespace:
    """Draw contracts from the purchase plan ``p`` (time-ordered), with their lines in ``.items``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    p : types.SimpleNamespace
        The purchases (:func:`crmlib.demo.customers.customers`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    types.SimpleNamespace
        Per-row arrays of the ``n`` contracts (``id``, ``cust``, ``owner``, ``t``, ``status``,
        ``start``, ``end``, ``cents``, ``product`` the main product, ``opp``), their lines in
        ``items``.
    """
    k = SimpleNamespace(n=p.n, cust=p.cust, t=p.t, first=p.first, lines=p.lines)
    k.id = ids("HT", k.n)
    k.owner = owner_at(c, k.cust, k.t, previous=True)
    k.status = _status(rng, k.t)
    start = np.minimum(day_of(k.t) + rng.choice([0, 0, 0, 1, 3, 7, 14], k.n), N_DAYS - 1)
    months = choose([m for m, _ in TERMS], weighted(rng, TERMS, k.n)).astype(float)
    k.start, k.end = start, start + np.round(months * 30.44) - 1
    k.items = _lines(rng, k, c, cat)
    k.cents = np.rint(np.bincount(k.items.contract, k.items.cents, minlength=k.n)).astype(np.int64)
    k.product = k.items.product[k.items.first]  # the main product
    k.opp = np.full(k.n, -1)
    return k


def contracts_frame(k, c, s, cat) -> pd.DataFrame:
    """Build the ``contracts`` table from the drawn contracts.

    Parameters
    ----------
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    pandas.DataFrame
        One row per contract: ``contract_id``, ``customer_id``, ``owner_id``, ``signed_at``,
        ``amount``, ``status``, ``opportunity_id`` (None when not from a deal), ``start_at``,
        ``end_at``, ``name`` (customer, series and "agreement").
    """
    cust = c.name_pa.take(pa.array(k.cust))
    english = pa.array(c.english[k.cust])
    series = pick(cat.series, k.product)
    name = join(cust, pc.if_else(english, " - ", "-"), series,
                pc.if_else(english, " agreement", "采购合同"))
    return pd.DataFrame({
        "contract_id": k.id, "customer_id": c.id[k.cust], "owner_id": s.id[k.owner],
        "signed_at": to_datetime(k.t), "amount": money(k.cents),
        "status": choose(STATUSES, k.status),
        "opportunity_id": np.where(k.opp >= 0, k.opp_id[np.maximum(k.opp, 0)], None),
        "start_at": to_datetime(k.start), "end_at": to_datetime(k.end), "name": name})


def lines_frame(k, cat) -> pd.DataFrame:
    """Build the ``contract_lines`` table: the products sold on each contract.

    Parameters
    ----------
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    pandas.DataFrame
        One row per line: ``contract_id``, ``product_id``, ``quantity``, ``amount``,
        ``unit_price``, ``discount``, ``line_no``.
    """
    it = k.items
    return pd.DataFrame({
        "contract_id": k.id[it.contract], "product_id": cat.id[it.product], "quantity": it.quantity,
        "amount": money(it.cents), "unit_price": it.unit_price, "discount": it.discount,
        "line_no": it.line_no})


def _paths(rng, k, c) -> SimpleNamespace:
    """Every deal's plan: customer, creation, planned close, final stage and open stages reached."""
    # won deals behind contracts
    link = np.flatnonzero((k.t >= 20) & (rng.random(k.n) < np.where(k.first, 0.8, 0.15)))
    close = np.minimum(at_work(rng, k.t[link] - rng.uniform(0, 2, len(link))), k.t[link])
    cycle = rng.gamma(2.0, np.where(k.first[link], 22.0, 12.0))
    created = np.maximum.reduce([close - cycle, c.created[k.cust[link]] + 0.01,
                                 np.full(len(link), 0.1)])
    ok = close - created >= 1.0
    link, close = link[ok], close[ok]
    created = np.maximum(at_work(rng, created[ok]), c.created[k.cust[link]] + 0.001)
    won_amount = np.round(money(k.cents[link]) * rng.uniform(0.92, 1.2, len(link)), -2)
    # deals to be won after the as-of day: as many as were won in the last 150 days
    n_future = rng.poisson(np.sum(close >= END - 150))
    f_close = END + rng.uniform(0, 150, n_future)
    f_created = f_close - rng.gamma(2.0, 22.0, n_future)
    running = (f_created >= 0) & (f_created < END - 0.1)
    f_close, f_created = f_close[running], at_work(rng, f_created[running])
    # lost and invalid deals, created like the others over the three years
    n_won = len(link) + len(f_created)
    n_lost = int(round(n_won * 0.78 / 0.22))
    n_bad = int(round((n_won + n_lost) * 0.06))
    bad = np.arange(n_lost + n_bad) >= n_lost
    l_created = sample_times(rng, len(bad), 0.0, END - 0.1)
    cycle = np.where(bad, 0.5 + rng.gamma(1.5, 5.0, len(bad)), rng.gamma(1.8, 20.0, len(bad)))
    l_close = l_created + cycle
    others = np.concatenate([f_created, l_created])
    n_w, n_o = len(link), len(others)
    return SimpleNamespace(
        n=n_w + n_o, contract=np.concatenate([link, np.full(n_o, -1)]),
        cust=np.concatenate([k.cust[link], _customer_for(rng, c, others)]),
        created=np.concatenate([created, others]),
        close=np.concatenate([close, f_close, at_work(rng, l_close)]),
        final=np.concatenate([np.full(n_w + len(f_created), WON), np.where(bad, INVALID, LOST)]),
        reached=np.concatenate([np.full(n_w + len(f_created), 4),
                                np.where(bad, 1 + (rng.random(len(bad)) < 0.15),
                                         1 + rng.choice(4, len(bad), p=LOST_AT))]),
        amount=np.concatenate([won_amount, np.zeros(n_o)]))


def _customer_for(rng, c, t) -> np.ndarray:
    """Pick a customer existing at each time ``t``: 60 % among those created 150 days before."""
    hi = np.searchsorted(c.created, t)
    lo = np.where(rng.random(len(t)) < 0.6, np.searchsorted(c.created, t - 150), 0)
    lo = np.where(lo >= hi, 0, lo)
    return np.minimum(lo + (rng.random(len(t)) * (hi - lo)).astype(np.int64), np.maximum(hi - 1, 0))


def _stages(rng, o) -> SimpleNamespace:
    """Stage entries of every deal up to the as-of day; sets ``stage`` and ``close`` on ``o``.

    A deal enters its first ``reached`` open stages and then its final stage at the planned close;
    the time between is split at random, entries at least 10 minutes apart. Entries after the
    as-of day are cut off: such deals are open, in the last stage they entered.
    """
    rows = o.reached + 1
    opp = np.repeat(np.arange(o.n), rows)
    j = rank_in_group(rows)
    w = np.where(j == 0, 0.0, 0.3 + rng.exponential(1.0, len(opp)))
    cum = np.cumsum(w)
    cum -= np.repeat(cum[group_starts(rows)], rows)  # within-deal cumulative share (first = 0)
    total = np.repeat(cum[group_starts(rows) + rows - 1], rows)
    t = o.created[opp] + (o.close[opp] - o.created[opp]) * cum / total
    mid = (j > 0) & (j < rows[opp] - 1)
    t[mid] = at_work(rng, t[mid])
    gap = 10 / 1440
    shift = opp * 2048.0 - j * gap  # running maximum within each deal, entries 10 min apart
    t = np.maximum.accumulate(t + shift) - shift
    t[j == 0] = o.created  # exactly the creation time
    stage = np.where(j < rows[opp] - 1, j, o.final[opp])
    keep = t < END
    o.close = np.where(o.close < END, t[group_starts(rows) + rows - 1], np.nan)
    kept = np.bincount(opp[keep], minlength=o.n)
    o.stage = stage[keep][group_starts(kept) + kept - 1]
    return SimpleNamespace(n=int(keep.sum()), opp=opp[keep], stage=stage[keep], t=t[keep])


def opportunities(rng, k, c, s, cat) -> tuple[SimpleNamespace, SimpleNamespace, SimpleNamespace]:
    """Draw deals (sorted by creation, linked to their contracts), stage history and follow-ups.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    tuple of three types.SimpleNamespace
        ``(o, h, follow_ups)``.
    """
    o = _paths(rng, k, c)
    order = np.argsort(o.created, kind="stable")
    for name in ("contract", "cust", "created", "close", "final", "reached", "amount"):
        setattr(o, name, getattr(o, name)[order])
    o.id = ids("O", o.n)
    won = o.contract >= 0
    k.opp[o.contract[won]] = np.flatnonzero(won)
    k.opp_id = o.id
    median = np.median(money(k.cents)) if k.n else 10_000.0
    guess = median * c.size[o.cust] ** 0.8 * rng.lognormal(0, 0.5, o.n)
    o.amount = np.where(won, o.amount, np.round(guess, -2))
    o.amount = np.maximum(o.amount, 100.0)
    on_sale = cat.popularity * cat.active
    o.product = np.where(won, k.product[np.maximum(o.contract, 0)],
                         rng.choice(cat.n, o.n, p=on_sale / on_sale.sum()))
    o.owner = np.where(won, k.owner[np.maximum(o.contract, 0)],
                       owner_at(c, o.cust, np.minimum(o.close, END - 1e-3), previous=True))
    plan = o.close.copy()
    hist = _stages(rng, o)
    is_open = np.isnan(o.close)
    # expected close: near the (planned) close; 15 % of open deals are overdue
    expect = day_of(np.where(is_open, plan, o.close)) + np.round(rng.normal(0, 6, o.n))
    stale = is_open & (rng.random(o.n) < 0.15)
    expect = np.where(stale, N_DAYS - 1 - rng.integers(1, 30, o.n), expect)
    o.expected = np.maximum(expect, day_of(o.created))
    o.lost_reason = np.where(o.stage == LOST, choose([r for r, _ in vocab.LOST_REASONS],
                                                    weighted(rng, vocab.LOST_REASONS, o.n)), None)
    w, t = events(rng, o.created, np.where(np.isnan(o.close), END, o.close), np.full(o.n, 0.025))
    fu = SimpleNamespace(n=len(t), opp=w, cust=o.cust[w], t=t,
                         employee=owner_at(c, o.cust[w], t, previous=True))
    return o, hist, fu


def opportunities_frame(o, c, s, cat) -> pd.DataFrame:
    """Build the ``opportunities`` table from the drawn deals.

    Parameters
    ----------
    o : types.SimpleNamespace
        The opportunities (:func:`crmlib.demo.sales.opportunities`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    pandas.DataFrame
        One row per opportunity: ``opportunity_id``, ``owner_id``, ``stage``, ``customer_id``,
        ``amount``, ``created_at``, ``pipeline`` (``default``), ``name``, ``product_id``,
        ``expected_close_at``, ``closed_at``, ``outcome``, ``lost_reason``.
    """
    outcome = np.array([st.outcome for st in DEMO_STAGES], dtype=object)
    return pd.DataFrame({
        "opportunity_id": o.id, "owner_id": s.id[o.owner],
        "stage": choose([st.stage for st in DEMO_STAGES], o.stage), "customer_id": c.id[o.cust],
        "amount": o.amount, "created_at": to_datetime(o.created), "pipeline": "default",
        "name": join(c.name_pa.take(pa.array(o.cust)), "-", pick(cat.name, o.product)),
        "product_id": cat.id[o.product],
        "expected_close_at": to_datetime(o.expected), "closed_at": to_datetime(o.close),
        "outcome": outcome[o.stage], "lost_reason": o.lost_reason})


def stage_history_frame(h, o) -> pd.DataFrame:
    """Build the ``stage_history`` table: when each opportunity entered each stage.

    Parameters
    ----------
    h : types.SimpleNamespace
        The stage history (:func:`opportunities`).
    o : types.SimpleNamespace
        The opportunities (:func:`crmlib.demo.sales.opportunities`).

    Returns
    -------
    pandas.DataFrame
        One row per stage entry: ``opportunity_id``, ``stage``, ``entered_at``.
    """
    return pd.DataFrame({"opportunity_id": o.id[h.opp],
                         "stage": choose([st.stage for st in DEMO_STAGES], h.stage),
                         "entered_at": to_datetime(h.t)})
