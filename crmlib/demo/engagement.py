"""Marketing and sales work: leads and campaigns, the activity log, monthly targets.

About 55 % of the customers created after the go-live came from a lead (converted the day the
customer was created); the other leads (70 % of all) stay open or are disqualified. Campaign costs
per paid source and quarter follow the leads they brought. Targets are set per rep and team
each month from the recent run rate, so that completion lands mostly between 60 % and 130 %.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from crmlib.demo import vocab
from crmlib.demo.common import choose, ids, join, weighted
from crmlib.demo.names import company_names
from crmlib.demo.org import LEAD, REP, pick_owner
from crmlib.demo.ownership import events
from crmlib.demo.timeline import (
    DEMO_AS_OF,
    END,
    N_DAYS,
    START,
    at_work,
    sample_times,
    to_datetime,
)

__all__ = ["leads", "leads_frame", "campaigns_frame", "activities", "activities_frame",
           "targets_frame"]

LEAD_STATUSES = ["open", "converted", "disqualified"]
CHANNELS = ["phone", "wechat", "visit", "message", "email"]
KINDS = ["follow_up", "sign_in", "other"]
ENTITIES = ["customer", "opportunity", "lead"]


def leads(rng, c, s) -> tuple[SimpleNamespace, SimpleNamespace]:
    """Draw leads (sorted by creation) and their follow-ups by the lead's owner.

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
    tuple of (types.SimpleNamespace, types.SimpleNamespace)
        ``(lead, follow_ups)``.
    """
    conv = np.flatnonzero(~c.legacy & ~c.duplicate & (c.created >= 3) & (rng.random(c.n) < 0.55))
    conv_t = np.clip(at_work(rng, c.created[conv] - rng.uniform(0.5, 40, len(conv))), 0.36,
                     c.created[conv] - 0.01)
    n_other = int(round(len(conv) * 7 / 3))
    other_t = sample_times(rng, n_other)
    like = rng.integers(0, c.n, n_other)  # other leads look like customers of the same team
    o = SimpleNamespace(n=n_other, industry=c.industry[like], city_code=c.city_code[like],
                        english=c.english[like])
    o.name, o.domain, o.legal = (np.empty(n_other, dtype=object) for _ in range(3))
    company_names(rng, o, np.arange(n_other))
    other_owner = pick_owner(rng, s, c.team[like], other_t)
    other_owner[rng.random(n_other) < 0.12] = -1  # not assigned to anybody
    age = END - other_t
    u = rng.random(n_other)
    other_status = np.where(age < 60, np.where(u < 0.85, 0, 2), np.where(u < 0.25, 0, 2))
    sources = [(k, v[0]) for k, v in vocab.SOURCES.items()]
    src = np.concatenate([c.source[conv], weighted(rng, sources, n_other)])
    lead = SimpleNamespace(
        n=len(conv) + n_other, t=np.concatenate([conv_t, other_t]), source=src,
        owner=np.concatenate([c.owner0[conv], other_owner]),
        name=np.concatenate([c.name[conv], o.name]),
        status=np.concatenate([np.ones(len(conv), dtype=np.int64), other_status]),
        customer=np.concatenate([conv, np.full(n_other, -1)]),
        converted=np.concatenate([c.created[conv], np.full(n_other, np.nan)]))
    order = np.argsort(lead.t, kind="stable")
    for k, v in vars(lead).items():
        if isinstance(v, np.ndarray):
            setattr(lead, k, v[order])
    lead.id = ids("L", lead.n)
    reasons = vocab.DISQUALIFY_REASONS
    lead.reason = np.where(lead.status == 2,
                           choose([r for r, _ in reasons], weighted(rng, reasons, lead.n)), None)
    worked = np.flatnonzero((lead.owner >= 0) & ((lead.status == 1) | (rng.random(lead.n) < 0.6)))
    stop = np.where(lead.status[worked] == 1, lead.converted[worked],
                    lead.t[worked] + rng.uniform(5, 40, len(worked)))
    stop = np.minimum(stop, s.left[lead.owner[worked]])
    w, t = events(rng, lead.t[worked], np.minimum(stop, END), np.full(len(worked), 0.04))
    fu = SimpleNamespace(n=len(t), lead=worked[w], t=t, employee=lead.owner[worked[w]])
    return lead, fu


def leads_frame(lead, c, s) -> pd.DataFrame:
    """Build the ``leads`` table from the drawn leads, with their conversions to customers.

    Parameters
    ----------
    lead : types.SimpleNamespace
        The leads (:func:`crmlib.demo.engagement.leads`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).

    Returns
    -------
    pandas.DataFrame
        One row per lead: ``lead_id``, ``created_at``, ``source``, ``owner_id`` (None:
        unassigned), ``name``, ``status``, ``converted_customer_id``, ``converted_at``,
        ``disqualified_reason``; the optional lead attributes are empty (a CRM without web
        analytics).
    """
    emp = np.append(s.id, None)
    return pd.DataFrame({
        "lead_id": lead.id, "created_at": to_datetime(lead.t),
        "source": choose(list(vocab.SOURCES), lead.source), "owner_id": emp[lead.owner],
        "name": lead.name, "status": choose(LEAD_STATUSES, lead.status),
        "converted_customer_id": np.append(c.id, None)[lead.customer],
        "converted_at": to_datetime(lead.converted), "disqualified_reason": lead.reason,
        # a CRM without web analytics: the optional lead attributes stay empty
        **{k: pd.Series(pd.NA, index=range(lead.n), dtype=d) for k, d in _LEAD_ATTRIBUTES}})


_LEAD_ATTRIBUTES = [("origin", "string"), ("industry", "string"), ("city", "string"),
                    ("occupation", "string"), ("visits", "Int64"), ("time_on_site", "Float64"),
                    ("pages_per_visit", "Float64"), ("last_activity", "string"),
                    ("do_not_email", "boolean"), ("do_not_call", "boolean")]


def _quarters():
    """Calendar quarters of the data: start and end day (inclusive), and labels like 2024Q1."""
    q = pd.period_range(START, DEMO_AS_OF, freq="Q")
    start = np.maximum((q.start_time - START).days.to_numpy(), 0).astype(float)
    end = np.minimum((q.end_time.normalize() - START).days.to_numpy(), N_DAYS - 1).astype(float)
    return start, end, [str(p) for p in q]


def campaigns_frame(rng, lead) -> pd.DataFrame:
    """Return the ``campaigns`` table: spend per paid source and quarter, in line with leads.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    lead : types.SimpleNamespace
        The leads (:func:`crmlib.demo.engagement.leads`).

    Returns
    -------
    pandas.DataFrame
        One row per paid source and quarter with leads: ``campaign_id``, ``source``, ``cost``,
        ``started_at``, ``ended_at``, ``name``.
    """
    start, end, label = _quarters()
    q = np.searchsorted(start, lead.t, side="right") - 1
    cpl = np.array([v[2] for v in vocab.SOURCES.values()])
    count = np.bincount(lead.source * len(start) + q, minlength=len(cpl) * len(start))
    src, qq = np.divmod(np.arange(len(count)), len(start))
    keep = (count > 0) & (cpl[src] > 0)
    src, qq, count = src[keep], qq[keep], count[keep]
    cost = np.maximum(100, np.round(count * cpl[src] * rng.uniform(0.8, 1.25, len(src)), -2))
    names = list(vocab.SOURCES)
    return pd.DataFrame({
        "campaign_id": ids("M", len(src), 4), "source": choose(names, src), "cost": cost,
        "started_at": to_datetime(start[qq]), "ended_at": to_datetime(end[qq]),
        "name": join(choose(label, qq), " ", choose(names, src), "推广")})


def activities(rng, c, s, o, lead, cust_fu, opp_fu, lead_fu) -> SimpleNamespace:
    """Draw the activity log: follow-ups on customers, deals and leads, sign-ins and other work.

    Sets ``c.last_followup``: the last customer follow-up (kind ``follow_up``) of each customer.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    o : types.SimpleNamespace
        The opportunities (:func:`crmlib.demo.sales.opportunities`).
    lead : types.SimpleNamespace
        The leads (:func:`crmlib.demo.engagement.leads`).
    cust_fu, opp_fu, lead_fu : types.SimpleNamespace
        Follow-ups of customers, deals and leads.

    Returns
    -------
    types.SimpleNamespace
        Per-row arrays of the ``n`` activities: ``t`` (time), ``employee``, ``cust`` (-1 for
        leads), ``entity`` (0 customer, 1 opportunity, 2 lead), ``entity_row``, ``kind`` and
        ``channel`` codes.
    """
    n1, n2 = cust_fu.n, opp_fu.n
    a = SimpleNamespace(
        t=np.concatenate([cust_fu.t, opp_fu.t, lead_fu.t]),
        employee=np.concatenate([cust_fu.employee, opp_fu.employee, lead_fu.employee]),
        cust=np.concatenate([cust_fu.cust, opp_fu.cust, np.full(lead_fu.n, -1)]),
        entity=np.repeat([0, 1, 2], [n1, n2, lead_fu.n]),
        entity_row=np.concatenate([cust_fu.cust, opp_fu.opp, lead_fu.lead]))
    n = len(a.t)
    u = rng.random(n)
    a.kind = np.where(a.entity == 0, np.where(u < 0.88, 0, np.where(u < 0.95, 1, 2)),
                      np.where((a.entity == 1) & (u < 0.08), 2, 0))
    with_boss = (a.entity == 0) & (rng.random(n) < 0.06) & (s.manager[a.employee] >= 0)
    a.employee = np.where(with_boss, s.manager[a.employee], a.employee)  # the manager came along
    english = np.array([s.teams[k] == "global" for k in range(len(s.teams))])[s.team[a.employee]]
    cn = rng.choice(5, n, p=[.38, .27, .15, .10, .10])
    en = rng.choice(5, n, p=[.30, .10, .15, .10, .35])
    a.channel = np.select([a.kind == 1, a.kind == 2], [2, 4], np.where(english, en, cn))
    order = np.argsort(a.t, kind="stable")
    for k, v in vars(a).items():
        setattr(a, k, v[order])
    a.n = n
    fu = (a.kind == 0) & (a.entity == 0)
    c.last_followup = np.full(c.n, -np.inf)
    np.maximum.at(c.last_followup, a.cust[fu], a.t[fu])
    c.last_followup[np.isinf(c.last_followup)] = np.nan
    return a


def activities_frame(a, c, s, o, lead) -> pd.DataFrame:
    """Build the ``activities`` table from the drawn activity log.

    Parameters
    ----------
    a : types.SimpleNamespace
        The activities (:func:`activities`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).
    o : types.SimpleNamespace
        The opportunities (:func:`crmlib.demo.sales.opportunities`).
    lead : types.SimpleNamespace
        The leads (:func:`crmlib.demo.engagement.leads`).

    Returns
    -------
    pandas.DataFrame
        One row per activity: ``activity_id``, ``employee_id``, ``at``, ``customer_id``,
        ``entity_type`` and ``entity_id`` (the customer, opportunity or lead worked on),
        ``kind``, ``channel``.
    """
    cust_id = np.append(c.id, None)
    entity_id = np.empty(a.n, dtype=object)
    for k, ids_ in enumerate((c.id, o.id, lead.id)):
        entity_id[a.entity == k] = ids_[a.entity_row[a.entity == k]]
    return pd.DataFrame({
        "activity_id": ids("A", a.n), "employee_id": s.id[a.employee], "at": to_datetime(a.t),
        "customer_id": cust_id[a.cust], "entity_type": choose(ENTITIES, a.entity),
        "entity_id": entity_id, "kind": choose(KINDS, a.kind),
        "channel": choose(CHANNELS, a.channel)})


def _smooth(x: np.ndarray) -> np.ndarray:
    """Centred 5-month mean along the months (axis 1)."""
    return pd.DataFrame(x.T).rolling(5, center=True, min_periods=1).mean().to_numpy().T


def _monthly(owner, t, value, n_owners, m0) -> np.ndarray:
    """Sum of ``value`` per owner (rows) and calendar month (columns; month starts ``m0``)."""
    m = np.searchsorted(m0, t, side="right") - 1
    out = np.bincount(owner * len(m0) + m, value, minlength=n_owners * len(m0))
    return out.reshape(n_owners, -1)


def _target(rng, actual, mask, unit) -> np.ndarray:
    """Targets from the run rate: smoothed actuals times the season, with a stretch of +-20 %."""
    total = actual.sum(axis=0)
    season = total / np.maximum(_smooth(total[None, :])[0], 1e-9)
    value = _smooth(actual) * season / rng.uniform(0.8, 1.2, actual.shape)
    value = np.maximum(unit, np.round(value / unit) * unit)
    return np.where(mask & (_smooth(actual) > 0) & (rng.random(actual.shape) > 0.06), value, np.nan)


def targets_frame(rng, k, p, c, s) -> pd.DataFrame:
    """Return the ``targets`` table: monthly contract, payment and new-customer targets.

    Per rep and team. Reps and group leads get targets for the months they are on staff all
    month; teams for every month. About 6 % of the targets are missing (never set).

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    k : types.SimpleNamespace
        The contracts (:func:`crmlib.demo.sales.contracts`).
    p : types.SimpleNamespace
        The payments (:func:`crmlib.demo.money.payments`).
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).

    Returns
    -------
    pandas.DataFrame
        One row per owner and month of each metric (``contract_amount``, ``payment_amount``,
        ``new_customers``): ``owner_type`` (employee or team), ``owner_id``, ``metric``,
        ``month``, ``value`` (the target), months ahead planned to the end of the year; sorted
        by month, owner and metric.
    """
    months = pd.date_range(START, DEMO_AS_OF, freq="MS")
    m0 = (months - START).days.to_numpy().astype(float)
    ok, paid, new = k.status == 0, p.status == 0, (c.created >= 0) & ~c.duplicate
    actual = {
        "contract_amount": _monthly(k.owner[ok], k.t[ok], k.cents[ok] / 100, s.n, m0),
        "payment_amount": _monthly(k.owner[p.contract[paid]], p.t[paid], p.cents[paid] / 100,
                                   s.n, m0),
        "new_customers": _monthly(c.owner0[new], c.created[new], np.ones(new.sum()), s.n, m0),
    }
    on_staff = (s.joined[:, None] <= m0) & (s.left[:, None] > np.append(m0[1:], END))
    rep = np.isin(s.role, [LEAD, REP])[:, None] & on_staff
    frames = []
    for metric, x in actual.items():
        team = np.zeros((len(s.teams), len(m0)))
        np.add.at(team, s.team, x)
        unit = 1 if metric == "new_customers" else 1000
        for kind, owner_id, value in (
                ("employee", s.id, _target(rng, x, rep, unit)),
                ("team", np.array(s.teams), _target(rng, team, True, unit * 10))):
            i, j = np.nonzero(np.isfinite(value))
            frames.append(pd.DataFrame({"owner_type": kind, "owner_id": owner_id[i],
                                        "metric": metric, "month": months[j].to_numpy(),
                                        "value": value[i, j]}))
    df = pd.concat(frames, ignore_index=True)
    df = pd.concat([df, _plan_rest_of_year(df)], ignore_index=True)
    return df.sort_values(["month", "owner_type", "owner_id", "metric"], ignore_index=True)


def _plan_rest_of_year(df: pd.DataFrame) -> pd.DataFrame:
    """Plan targets for the months after the data up to December, as a CRM holds a year's plan.

    For every owner with a target in the last month, the same month a year earlier times the
    metric's growth (the last 12 months' targets over the 12 before), else the mean of its last
    three targets; rounded like the others. Deterministic, so the targets up to the data's
    last month are unchanged.
    """
    last = pd.Timestamp(df["month"].max())
    future = pd.date_range(last + pd.DateOffset(months=1), f"{last.year}-12-01", freq="MS")
    if future.empty:
        return df.iloc[:0]
    keys = ["owner_type", "owner_id", "metric"]
    m = pd.to_datetime(df["month"])
    recent = m > last - pd.DateOffset(months=12)
    before = (m <= last - pd.DateOffset(months=12)) & (m > last - pd.DateOffset(months=24))
    growth = (df[recent].groupby("metric")["value"].sum()
              / df[before].groupby("metric")["value"].sum()).fillna(1.0)
    active = df[m == last][keys]
    hist = df.merge(active, on=keys)
    fallback = (hist.sort_values("month").groupby(keys)["value"]
                .apply(lambda v: v.tail(3).mean()))
    rows = []
    for month in future:
        year_ago = hist[pd.to_datetime(hist["month"]) == month - pd.DateOffset(years=1)]
        planned = active.merge(year_ago, on=keys, how="left")
        value = planned["value"] * planned["metric"].map(growth)
        value = value.fillna(planned.set_index(keys).index.map(fallback).to_series(
            index=planned.index))
        unit = np.where(planned["metric"] == "new_customers", 1, 1000) * np.where(
            planned["owner_type"] == "team", 10, 1)
        rows.append(planned[keys].assign(month=month, value=np.maximum(
            unit, np.round(value / unit) * unit)))
    return pd.concat(rows, ignore_index=True)[["owner_type", "owner_id", "metric", "month",
                                                "value"]]
