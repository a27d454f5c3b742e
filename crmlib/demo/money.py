"""After the signature: payment plans, payments, invoices, returns and satisfaction visits.

Effective (approved) contracts get 1-3 instalments, a quarter apart (pending ones get a plan too).
Each customer pays in a habit of its own: on time (about two thirds), late, partly, or not at all;
only what was paid by the as-of day is recorded. Most contracts are invoiced, either per instalment
before it is due (so some invoices are not paid yet) or after each payment; the rest are paid but
never invoiced. 2-5 % of lines come back (hardware most often) and about 30 % of contracts get a
return visit with a satisfaction score, lower when something was returned.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from crmlib.demo import vocab
from crmlib.demo.common import choose, group_starts, ids, money, rank_in_group, weighted
from crmlib.demo.ownership import owner_at
from crmlib.demo.sales import STATUSES
from crmlib.demo.timeline import END, at_work, day_of, to_datetime

__all__ = ["payments", "payment_plans_frame", "payments_frame", "invoices_frame", "returns",
           "returns_frame", "visits_frame"]

PROMPT, LATE, PARTIAL, NEVER = range(4)
HABITS = [(PROMPT, 66), (LATE, 24), (PARTIAL, 6), (NEVER, 4)]
RETURN_RATE = {"硬件设备": 0.10, "软件许可": 0.02, "云服务": 0.015, "实施服务": 0.01,
               "培训认证": 0.02, "运维支持": 0.01}


def _instalments(rng, k) -> SimpleNamespace:
    """1-3 instalments per approved or pending contract (more for bigger ones); amounts in cents."""
    con = np.flatnonzero(k.status <= 1)
    big = k.cents[con] >= 5_000_000
    u = rng.random(len(con))
    n = np.where(big, 1 + (u > 0.35) + (u > 0.75), 1 + (u > 0.7) + (u > 0.95))
    row = np.repeat(con, n)
    j = rank_in_group(n)
    m = n[np.repeat(np.arange(len(con)), n)]
    share = np.select([m == 1, m == 2], [1.0, np.where(j == 0, 0.4, 0.6)],
                      np.array([0.3, 0.4, 0.3])[np.minimum(j, 2)])
    amount = np.floor(k.cents[row] * share).astype(np.int64)
    last = group_starts(n) + n - 1
    amount[last] += k.cents[con] - np.bincount(np.repeat(np.arange(len(con)), n), amount,
                                               minlength=len(con)).astype(np.int64)
    due = day_of(k.t[row]) + rng.integers(0, 31, len(row))[group_starts(n)].repeat(n) + 91 * j
    return SimpleNamespace(n=len(row), contract=row, due=due.astype(float), cents=amount)


def payments(rng, k, c) -> tuple[SimpleNamespace, SimpleNamespace]:
    """Draw instalments and the payments made against them by the as-of day.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).

    Returns
    -------
    tuple of (types.SimpleNamespace, types.SimpleNamespace)
        ``(plan, payments)``.
    """
    plan = _instalments(rng, k)
    habit_of = weighted(rng, HABITS, c.n)
    habit = np.where(rng.random(plan.n) < 0.8, habit_of[k.cust[plan.contract]], PROMPT)
    habit = np.where(k.status[plan.contract] == 0, habit, NEVER)  # pending: nothing paid yet
    signed = k.t[plan.contract]
    delay = np.select([habit == PROMPT, habit == LATE, habit == PARTIAL],  # days after due
                      [-rng.uniform(0, 7, plan.n), rng.gamma(2.0, 20.0, plan.n),
                       rng.uniform(0, 30, plan.n)], np.inf)
    paid_t = np.maximum(at_work(rng, plan.due + delay), signed + 0.01)
    part = np.where(habit == PARTIAL, rng.uniform(0.4, 0.9, plan.n), 1.0)
    paid = np.flatnonzero(np.isfinite(delay) & (paid_t < END))
    p = SimpleNamespace(n=len(paid), plan=paid, contract=plan.contract[paid], t=paid_t[paid],
                        cents=np.floor(plan.cents[paid] * part[paid]).astype(np.int64))
    u = rng.random(p.n)
    p.status = np.where((p.t > END - 7) & (u < 0.5), 1, np.where(u > 0.99, 2, 0))
    p.method = weighted(rng, vocab.PAYMENT_METHODS, p.n)
    order = np.argsort(p.t, kind="stable")
    for name in ("plan", "contract", "t", "cents", "status", "method"):
        setattr(p, name, getattr(p, name)[order])
    p.id = ids("HK", p.n)
    plan.received = np.bincount(p.plan, np.where(p.status == 0, p.cents, 0), minlength=plan.n)
    return plan, p


def payment_plans_frame(plan, k) -> pd.DataFrame:
    """Build the ``payment_plans`` table: the instalments due on each contract.

    Parameters
    ----------
    plan : types.SimpleNamespace
        The instalments (:func:`payments`).
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).

    Returns
    -------
    pandas.DataFrame
        One row per instalment: ``contract_id``, ``due_at``, ``amount`` and ``received_amount``
        (what was paid against it).
    """
    return pd.DataFrame({"contract_id": k.id[plan.contract], "due_at": to_datetime(plan.due),
                         "amount": money(plan.cents),
                         "received_amount": money(np.rint(plan.received))})


def payments_frame(p, k, c) -> pd.DataFrame:
    """Build the ``payments`` table from the drawn payments.

    Parameters
    ----------
    p : types.SimpleNamespace
        The payments (:func:`payments`).
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).

    Returns
    -------
    pandas.DataFrame
        One row per payment: ``payment_id``, ``contract_id``, ``paid_at``, ``amount``,
        ``customer_id``, ``status``, ``method``.
    """
    return pd.DataFrame({
        "payment_id": p.id, "contract_id": k.id[p.contract], "paid_at": to_datetime(p.t),
        "amount": money(p.cents), "customer_id": c.id[k.cust[p.contract]],
        "status": choose(STATUSES, p.status),
        "method": choose([m for m, _ in vocab.PAYMENT_METHODS], p.method)})


def invoices_frame(rng, plan, p, k) -> pd.DataFrame:
    """Return the ``invoices`` table: per instalment before it is due, or after each payment.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    plan : types.SimpleNamespace
        The instalments (:func:`payments`).
    p : types.SimpleNamespace
        The payments (:func:`payments`).
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).

    Returns
    -------
    pandas.DataFrame
        One row per invoice: ``invoice_id``, ``contract_id``, ``issued_at``, ``amount``,
        ``status``, ``type``.
    """
    mode = rng.choice(3, k.n, p=[0.55, 0.33, 0.12])  # 0 before due, 1 after payment, 2 never
    before = np.flatnonzero((mode[plan.contract] == 0) & (k.status[plan.contract] == 0))
    t_before = np.maximum(at_work(rng, plan.due[before] - rng.uniform(0, 7, len(before))),
                          k.t[plan.contract[before]] + 0.01)
    after = np.flatnonzero((mode[p.contract] == 1) & (p.status == 0))
    t_after = at_work(rng, p.t[after] + rng.uniform(0, 10, len(after)))
    t = np.concatenate([t_before, np.maximum(t_after, p.t[after])])
    contract = np.concatenate([plan.contract[before], p.contract[after]])
    amount = np.concatenate([plan.cents[before], p.cents[after]])
    keep = t < END
    t, contract, amount = t[keep], contract[keep], amount[keep]
    order = np.argsort(t, kind="stable")
    t, contract, amount = t[order], contract[order], amount[order]
    u = rng.random(len(t))
    status = np.where((t > END - 10) & (u < 0.5), 1, np.where(u > 0.985, 3, 0))
    return pd.DataFrame({
        "invoice_id": ids("FP", len(t)), "contract_id": k.id[contract], "issued_at": to_datetime(t),
        "amount": money(amount), "status": choose(STATUSES, status),
        "type": choose([x for x, _ in vocab.INVOICE_TYPES],
                       weighted(rng, vocab.INVOICE_TYPES, len(t)))})


def returns(rng, k, cat) -> SimpleNamespace:
    """Draw returned lines of approved contracts: part or all of the quantity, weeks later.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    types.SimpleNamespace
        Per-row arrays of the ``n`` returns: ``line`` (the contract line returned), ``t``
        (time), ``quantity``, ``cents`` (amount) and ``reason`` (code), in time order.
    """
    it = k.items
    rate = np.array([RETURN_RATE[x] for x in cat.category])[it.product]
    pick = np.flatnonzero((k.status[it.contract] == 0) & (rng.random(it.n) < rate))
    t = at_work(rng, k.t[it.contract[pick]] + 3 + rng.gamma(1.5, 15.0, len(pick)))
    pick, t = pick[t < END], t[t < END]
    q = it.quantity[pick]
    part = np.minimum(q, 1 + np.floor(rng.random(len(pick)) * q))
    rq = np.where(rng.random(len(pick)) < 0.4, q, part)
    order = np.argsort(t, kind="stable")
    pick, t, rq = pick[order], t[order], rq[order]
    amount = np.floor(it.cents[pick] * rq / it.quantity[pick]).astype(np.int64)
    return SimpleNamespace(n=len(pick), line=pick, t=t, quantity=rq, cents=amount,
                           reason=weighted(rng, vocab.RETURN_REASONS, len(pick)))


def returns_frame(r, k, cat) -> pd.DataFrame:
    """Build the ``returns`` table: returned contract lines with their reason.

    Parameters
    ----------
    r : types.SimpleNamespace
        The returns (:func:`returns`).
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    cat : types.SimpleNamespace
        The catalogue (:func:`crmlib.demo.org.catalogue`).

    Returns
    -------
    pandas.DataFrame
        One row per return: ``return_id``, ``contract_id``, ``returned_at``, ``amount``,
        ``product_id``, ``quantity``, ``reason``.
    """
    it = k.items
    return pd.DataFrame({
        "return_id": ids("R", r.n), "contract_id": k.id[it.contract[r.line]],
        "returned_at": to_datetime(r.t), "amount": money(r.cents),
        "product_id": cat.id[it.product[r.line]],
        "quantity": r.quantity, "reason": choose([x for x, _ in vocab.RETURN_REASONS], r.reason)})


def visits_frame(rng, k, c, s, cat, r) -> pd.DataFrame:
    """Return the ``visits`` table: return visits to 30 % of approved contracts, scored 1..5.

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
    r : types.SimpleNamespace
        The returns (:func:`returns`).

    Returns
    -------
    pandas.DataFrame
        One row per visit: ``visit_id``, ``customer_id``, ``visited_at``, ``score`` (1..5),
        ``employee_id``, ``contract_id``, ``product_id``.
    """
    con = np.flatnonzero((k.status == 0) & (rng.random(k.n) < 0.3))
    t = at_work(rng, k.t[con] + 20 + rng.gamma(2.0, 20.0, len(con)))
    con, t = con[t < END], t[t < END]
    returned = np.zeros(k.n, dtype=bool)
    returned[k.items.contract[r.line]] = True
    p_good, p_bad = [.03, .05, .12, .35, .45], [.12, .15, .25, .30, .18]
    cum = np.cumsum(np.where(returned[con][:, None], p_bad, p_good), axis=1)
    score = 1 + (rng.random(len(con))[:, None] > cum).sum(axis=1)
    order = np.argsort(t, kind="stable")
    con, t, score = con[order], t[order], np.minimum(score[order], 5)
    emp = owner_at(c, k.cust[con], t, previous=True)
    return pd.DataFrame({
        "visit_id": ids("V", len(con)), "customer_id": c.id[k.cust[con]],
        "visited_at": to_datetime(t),
        "score": score, "employee_id": s.id[emp], "contract_id": k.id[con],
        "product_id": cat.id[k.product[con]]})
