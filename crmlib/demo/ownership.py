"""Who owns each customer when, and the follow-ups that owners write.

Each customer has a first owner and at most two owner changes:

- its owner leaves the company: the customer is reassigned to a teammate that day;
- a few buyers are reassigned at random (territory changes);
- prospects that nobody has followed up for 90 days are put into the public pool (about 60 % of
  them, the pool rule), and about a third of those are later claimed from it by another rep.

Follow-ups come in windows: prospects are followed up often for a while and then (most of them)
forgotten; buyers are followed up before their first deal and, less often, while they buy.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from crmlib.demo.common import choose
from crmlib.demo.org import MANAGER, pick_owner
from crmlib.demo.timeline import END, LAST, at_work, to_datetime, unwarp, warp

__all__ = ["owner_at", "events", "timeline", "owner_changes_frame", "REASONS"]

REASONS = ["reassign", "pool_in", "pool_out"]
POOL_AFTER = 90.0  # days without follow-up before the pool rule reclaims a prospect


def events(rng, start, end, rate) -> tuple[np.ndarray, np.ndarray]:
    """Draw Poisson events at ``rate`` per business day in windows ``[start, end)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    start, end : numpy.ndarray
        The windows, in days.
    rate : float or numpy.ndarray
        Events per business day.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        ``(window, t)``: the window index of each event and its time, sorted by window.
    """
    start = np.asarray(start, dtype=float)
    end = np.clip(np.asarray(end, dtype=float), start, END)
    ws, we = warp(start), warp(end)
    n = rng.poisson(np.asarray(rate) * np.maximum(we - ws, 0.0))
    row = np.repeat(np.arange(len(start)), n)
    t = at_work(rng, unwarp(rng.uniform(ws[row], we[row])))
    t = np.clip(t, start[row], np.minimum(end[row], LAST))
    return row, t


def owner_at(c: SimpleNamespace, cust, t, *, previous: bool = False) -> np.ndarray:
    """Look up the owner (employee index) of customers ``cust`` at times ``t``; -1 in the pool.

    With ``previous``, a customer in the pool gives the owner it had before, or the team's
    manager when that owner has left by then (for work done on pool customers).

    Parameters
    ----------
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    cust : numpy.ndarray
        Customer positions.
    t : numpy.ndarray
        Times, in days.
    previous : bool, default=False
        Give the previous owner (or the manager) instead of -1 for a customer in the pool.

    Returns
    -------
    numpy.ndarray
        int employee index per (customer, time) pair; -1 for the pool unless ``previous``.
    """
    o = c.owner0[cust]
    o = np.where(t >= c.t1[cust], c.o1[cust], o)  # NaN change times compare False
    o = np.where(t >= c.t2[cust], c.o2[cust], o)
    if previous:
        before = np.where(c.owner0_left[cust] > t, c.owner0[cust], c.boss[cust])
        o = np.where(o < 0, before, o)
    return o


def _windows(rng, c, s, buying):
    """Follow-up windows of the first owner's time: (customer, start, end, rate per day)."""
    a0 = np.maximum(c.created, 0.0)
    leave = s.left[c.owner0]
    # prospects: followed up for a while (never, for a quarter of them), then forgotten
    engaged = a0 + rng.exponential(45, c.n) * (rng.random(c.n) > 0.25)
    pro = np.flatnonzero(~buying)
    windows = [(pro, a0[pro], np.minimum(engaged[pro], leave[pro]), np.full(len(pro), 0.06))]
    # buyers: before the first deal, and while they keep buying (some are neglected)
    b = np.flatnonzero(buying)
    pre_rate = np.where(c.legacy[b], 0.02, 0.07)
    windows.append((b, a0[b], c.first_t[b], pre_rate))
    tail = np.minimum(c.last_t[b] + rng.exponential(150, len(b)), END)
    post_rate = np.where(rng.random(len(b)) < 0.15, 0.003, 0.012)
    windows.append((b, c.first_t[b], tail, post_rate))
    return [np.concatenate(x) for x in zip(*windows, strict=True)]


def _work_on_last_day(t, open_ended) -> None:
    """Make sure someone works on the as-of day (a Saturday), the last event day.

    Even in a tiny data set: if nobody does, the latest follow-up in an open-ended window moves
    there, at the same hour.
    """
    if len(t) and t.max() < END - 1 and open_ended.any():
        i = np.flatnonzero(open_ended)[np.argmax(t[open_ended])]
        t[i] = END - 1 + t[i] % 1


def timeline(rng, c: SimpleNamespace, s: SimpleNamespace) -> SimpleNamespace:
    """Draw the owner changes of every customer and its follow-ups.

    Sets ``t1, o1, why1, t2, o2`` on ``c``; needs ``c.first_t`` and ``c.last_t`` (first and last
    purchase, NaN for prospects).

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).

    Returns
    -------
    types.SimpleNamespace
        The customer follow-ups: ``cust``, ``t`` and ``employee``.
    """
    buying = np.isfinite(c.first_t)
    c.owner0_left = s.left[c.owner0]
    c.boss = np.array([np.flatnonzero((s.team == k) & (s.role == MANAGER))[0]
                       for k in range(len(s.teams))])[c.team]
    cust, lo, hi, rate = _windows(rng, c, s, buying)
    w, t = events(rng, lo, hi, rate)
    _work_on_last_day(t, hi[w] >= END)
    fu_cust, fu_t = cust[w], t
    last = np.maximum(c.created, 0.0)  # last follow-up, or creation
    np.maximum.at(last, fu_cust, fu_t)
    leave = s.left[c.owner0]
    c.t1, c.o1, c.why1 = np.full(c.n, np.nan), np.full(c.n, -1), np.full(c.n, -1)
    c.t2, c.o2 = np.full(c.n, np.nan), np.full(c.n, -1)
    # prospects forgotten for 90 days go to the pool (unless their owner left before)
    pool_t = last + POOL_AFTER + rng.uniform(0, 10, c.n)
    pooled = ~buying & (pool_t < np.minimum(END, leave)) & (rng.random(c.n) < 0.6)
    c.t1[pooled], c.why1[pooled] = at_work(rng, pool_t[pooled]), 1
    # leavers' customers go to a teammate; a few buyers are moved anyway
    moved = ~pooled & (leave < END)
    c.t1[moved] = leave[moved]
    extra = ~pooled & ~moved & buying & (rng.random(c.n) < 0.03)
    c.t1[extra] = at_work(rng, rng.uniform(np.maximum(c.created[extra], 0.0), END - 1))
    moved |= extra
    c.why1[moved] = 0
    c.o1[moved] = pick_owner(rng, s, c.team[moved], c.t1[moved], staying=True)
    same = moved & (c.o1 == c.owner0)
    c.t1[same], c.why1[same], c.o1[same] = np.nan, -1, -1  # the pick was the same person
    # about a third of the pooled customers are claimed later
    claim_t = c.t1 + rng.exponential(60, c.n)
    claimed = pooled & (claim_t < END - 1) & (rng.random(c.n) < 0.35)
    c.t2[claimed] = np.maximum(at_work(rng, claim_t[claimed]), c.t1[claimed] + 1 / 1440)
    other_team = np.where(rng.random(c.n) < 0.8, c.team, rng.integers(0, len(s.teams), c.n))
    c.o2[claimed] = pick_owner(rng, s, other_team[claimed], c.t2[claimed], staying=True)
    cl = np.flatnonzero(claimed)
    w2, t2 = events(rng, c.t2[cl], np.minimum(c.t2[cl] + rng.exponential(40, len(cl)), END),
                    np.full(len(cl), 0.09))
    fu_cust, fu_t = np.concatenate([fu_cust, cl[w2]]), np.concatenate([fu_t, t2])
    owner = owner_at(c, fu_cust, fu_t, previous=True)
    return SimpleNamespace(n=len(fu_t), cust=fu_cust, t=fu_t, employee=owner)


def owner_changes_frame(c: SimpleNamespace, s: SimpleNamespace) -> pd.DataFrame:
    """Build the ``owner_changes`` table: reassignments, moves into and out of the pool.

    Parameters
    ----------
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).

    Returns
    -------
    pandas.DataFrame
        One row per change, by ``changed_at``: ``customer_id``, ``changed_at``,
        ``from_owner_id`` and ``to_owner_id`` (None: the pool), ``reason``.
    """
    one = np.flatnonzero(c.why1 >= 0)
    two = np.flatnonzero(np.isfinite(c.t2))
    emp = np.append(s.id, None)  # index -1 = nobody (the pool)
    frm = np.concatenate([c.owner0[one], np.full(len(two), -1)])
    to = np.concatenate([np.where(c.why1[one] == 1, -1, c.o1[one]), c.o2[two]])
    df = pd.DataFrame({
        "customer_id": c.id[np.concatenate([one, two])],
        "changed_at": to_datetime(np.concatenate([c.t1[one], c.t2[two]])),
        "from_owner_id": emp[frm], "to_owner_id": emp[to],
        "reason": choose(REASONS, np.concatenate([c.why1[one], np.full(len(two), 2)])),
    })
    return df.sort_values(["changed_at", "customer_id"], kind="stable", ignore_index=True)
