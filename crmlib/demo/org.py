"""The company: sales staff in teams under one director, the product catalogue, the pipeline."""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmlib.demo import vocab
from crmlib.demo.common import choose, ids, join, pick
from crmlib.demo.timeline import END, START

__all__ = ["Stage", "DEMO_STAGES", "staff", "employees_frame", "pick_owner", "catalogue",
           "products_frame", "pipeline_stages_frame", "RETIRE_DAY"]

DIRECTOR, MANAGER, LEAD, REP = 0, 1, 2, 3


class Stage(NamedTuple):
    """One stage of the demo pipeline (a row of ``pipeline_stages`` without the pipeline).

    Parameters
    ----------
    stage : str
        The stage's name.
    stage_order : int
        Its place in the pipeline, from 1.
    probability : float
        The share of the deals reaching it that are won.
    outcome : str
        ``open``, ``won`` or ``lost``.
    """

    stage: str
    stage_order: int
    probability: float
    outcome: str


# Probabilities match the demo's drop-off: of the deals that reach a stage, this share is won.
DEMO_STAGES = (
    Stage("qualify", 1, 0.2, "open"),
    Stage("needs_analysis", 2, 0.3, "open"),
    Stage("proposal", 3, 0.5, "open"),
    Stage("negotiation", 4, 0.75, "open"),
    Stage("won", 5, 1.0, "won"),
    Stage("lost", 6, 0.0, "lost"),
    Stage("invalid", 7, 0.0, "invalid"),
)
OPEN_STAGES = [s.stage for s in DEMO_STAGES if s.outcome == "open"]


def pipeline_stages_frame() -> pd.DataFrame:
    """Return the ``pipeline_stages`` table: :data:`DEMO_STAGES` in the pipeline ``default``.

    Returns
    -------
    pandas.DataFrame
        One row per stage of the ``default`` pipeline, in order: ``pipeline`` and the fields of
        :data:`DEMO_STAGES` (``stage``, ``stage_order``, ``probability``, ``outcome``).
    """
    df = pd.DataFrame(DEMO_STAGES)
    df.insert(0, "pipeline", "default")
    return df


def staff(rng, lines: int) -> SimpleNamespace:
    """Draw the sales organisation for a data set of about ``lines`` contract lines.

    20..200 people (growing with the square root of ``lines``) in 3..6 teams: a director, one
    manager per team, group leads in teams of more than 14, and reps. A third of the reps join
    during the three years (growth), a tenth leave (``active`` false at the end).

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    lines : int
        The scale.

    Returns
    -------
    types.SimpleNamespace
        One array per attribute of the employees.
    """
    n = int(np.clip(round(lines ** 0.5 / 4), 20, 200))
    n_teams = 3 if n < 40 else 4 if n < 80 else 5 if n < 140 else 6
    teams = list(vocab.TEAMS)[:n_teams]
    share = np.array([vocab.TEAMS[t][2] for t in teams])
    size = np.maximum(4, np.floor((n - 1) * share / share.sum())).astype(int)
    size[0] += n - 1 - size.sum()  # the first team takes the rounding
    team, role, manager = [0], [DIRECTOR], [-1]
    for k, m in enumerate(size):
        boss = len(team)
        n_leads = (m - 1) // 9 if m > 14 else 0
        team += [k] * m
        role += [MANAGER] + [LEAD] * n_leads + [REP] * (m - 1 - n_leads)
        leads = list(range(boss + 1, boss + 1 + n_leads)) or [boss]
        manager += [0] + [boss] * n_leads + [leads[i % len(leads)] for i in range(m - 1 - n_leads)]
    team, role, manager = np.array(team), np.array(role), np.array(manager)
    is_rep = role == REP
    joined = np.where(is_rep & (rng.random(n) < 0.33), rng.uniform(30, END - 90, n), 0.0)
    span = END - 15 - (joined + 150)  # a leaver stays at least 150 days
    can = np.flatnonzero(is_rep & (span > 0))
    leaves = np.zeros(n, dtype=bool)
    leaves[rng.choice(can, max(1, round(0.1 * len(can))), replace=False)] = True
    left = np.where(leaves, joined + 150 + rng.random(n) * np.maximum(span, 0), np.inf)
    weight = np.where(role == REP, rng.lognormal(0, 0.35, n), np.where(role == LEAD, 0.5, 0.12))
    weight[role == DIRECTOR] = 0.0
    return SimpleNamespace(n=n, teams=teams, team=team, role=role, manager=manager,
                           joined=joined, left=left, weight=weight,
                           name=_person_names(rng, teams, team), id=ids("E", n, 4))


def _person_names(rng, teams, team) -> np.ndarray:
    """Draw unique names: Chinese ones, and English ones in the Global Accounts team."""
    english = np.array([teams[k] == "global" for k in team])
    names = person_names(rng, english)
    for _ in range(50):
        dup = pd.Series(names).duplicated().to_numpy()
        if not dup.any():
            break
        names[dup] = person_names(rng, english[dup])
    return names


def person_names(rng, english, *, logins: bool = False):
    """Draw people's names: surname + one or two given characters, or "Emily Wang" when ``english``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    english : numpy.ndarray of bool
        Per person: an English name.
    logins : bool, default=False
        Also return e-mail local parts such as ``wang.fang`` or ``emily.wang``.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        The names (and the local parts).
    """
    english = np.asarray(english, dtype=bool)
    n = len(english)
    w = np.array([s[2] for s in vocab.SURNAMES])
    sur = rng.choice(len(w), n, p=w / w.sum())
    g1 = rng.integers(0, len(vocab.GIVEN), n)
    g2 = np.where(rng.random(n) < 0.65, rng.integers(0, len(vocab.GIVEN), n), len(vocab.GIVEN))
    given, given_py = [g[0] for g in vocab.GIVEN] + [""], [g[1] for g in vocab.GIVEN] + [""]
    first = rng.integers(0, len(vocab.EN_GIVEN), n)
    # Global Accounts: English first name, and a Chinese surname or (one in five) a Western one
    western = len(vocab.SURNAMES) + rng.integers(0, len(vocab.EN_SURNAMES), n)
    last = np.where(rng.random(n) < 0.2, western, sur)
    last_names = [s[1] for s in vocab.SURNAMES] + vocab.EN_SURNAMES
    cn = join(pick([s[0] for s in vocab.SURNAMES], sur), pick(given, g1), pick(given, g2),
              arrow=True)
    en = join(pick(vocab.EN_GIVEN, first), pick(last_names, last), sep=" ", arrow=True)
    names = pc.if_else(pa.array(english), en, cn).to_numpy(zero_copy_only=False)
    if not logins:
        return names
    cn_login = join(pick([s[1] for s in vocab.SURNAMES], sur), ".", pick(given_py, g1),
                    pick(given_py, g2), arrow=True)
    en_login = join(pick(vocab.EN_GIVEN, first), ".", pick(last_names, last), arrow=True)
    login = pc.utf8_lower(pc.if_else(pa.array(english), en_login, cn_login))
    login = pc.replace_substring(login, "ü", "ue")
    return names, login


def employees_frame(s: SimpleNamespace) -> pd.DataFrame:
    """Build the ``employees`` table: the sales staff with their team and manager.

    Parameters
    ----------
    s : types.SimpleNamespace
        The staff (:func:`staff`).

    Returns
    -------
    pandas.DataFrame
        One row per employee: ``employee_id``, ``name``, ``team``, ``department``, ``region``,
        ``manager_id`` (None at the top), ``active`` (False once they left).
    """
    dept = [vocab.TEAMS[t][0] for t in s.teams]
    region = [vocab.TEAMS[t][1] for t in s.teams]
    director = s.role == DIRECTOR
    return pd.DataFrame({
        "employee_id": s.id,
        "name": s.name,
        "team": choose(s.teams, s.team),
        "department": np.where(director, "销售中心", choose(dept, s.team)),
        "region": np.where(director, "全国", choose(region, s.team)),
        "manager_id": np.where(s.manager >= 0, s.id[np.maximum(s.manager, 0)], None),
        "active": ~np.isfinite(s.left),
    })


def pick_owner(rng, s: SimpleNamespace, team, t, *, staying: bool = False) -> np.ndarray:
    """Return an employee of each row's ``team`` on staff at time ``t``, weighted by share of work.

    Falls back to the team's manager, who is always there.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    s : types.SimpleNamespace
        The staff (:func:`staff`).
    team : numpy.ndarray
        Team per row.
    t : numpy.ndarray
        Time per row, in days.
    staying : bool, default=False
        Only people who never leave (for moves late in the data).

    Returns
    -------
    numpy.ndarray
        Employee ids.
    """
    team, t = np.asarray(team), np.maximum(np.asarray(t, dtype=float), 0.0)
    out = np.empty(len(team), dtype=np.int64)
    for k in range(len(s.teams)):
        rows = np.flatnonzero(team == k)
        members = np.flatnonzero((s.team == k) & (s.weight > 0))
        p = s.weight[members] / s.weight[members].sum()
        todo = rows
        for _ in range(30):
            pick = members[rng.choice(len(members), len(todo), p=p)]
            ok = (s.joined[pick] <= t[todo]) & (t[todo] < s.left[pick])
            if staying:
                ok &= ~np.isfinite(s.left[pick])
            out[todo[ok]] = pick[ok]
            todo = todo[~ok]
            if not len(todo):
                break
        out[todo] = np.flatnonzero((s.team == k) & (s.role == MANAGER))[0]
    return out


RETIRE_DAY = float((pd.Timestamp("2025-01-01") - START).days)  # old versions withdrawn then
_RETIRED = [  # (name, list price, typical quantity, popularity, successor)
    ("智云ERP 标准版 V8", 16_000, 1.5, 5, "智云ERP 标准版"),
    ("智云CRM 标准版 V8", 10_000, 1.5, 5, "智云CRM 标准版"),
    ("云主机 2核4G 年付（旧版）", 4_200, 6.0, 4, "云主机 2核4G 年付"),
    ("智能终端 T2", 2_599, 12.0, 4, "智能终端 T3"),
    ("标准运维 年付（旧版）", 18_000, 1.0, 3, "标准运维 年付"),
]


def catalogue() -> SimpleNamespace:
    """Return the product catalogue: 6 categories, 30 products on sale and 5 withdrawn old versions.

    ``successor`` maps a withdrawn product to the one that replaced it on :data:`RETIRE_DAY`.

    Returns
    -------
    types.SimpleNamespace
        Per-row arrays of the ``n`` products (current ones, then retired ones): ``id``,
        ``name``, ``category``, ``series``, ``price``, ``qty`` (usual quantity), ``popularity``,
        ``active`` and ``successor`` (the product that replaced a retired one; itself
        otherwise).
    """
    rows = [(name, cat, series, price, qty, pop)
            for cat, series_map in vocab.PRODUCTS.items()
            for series, items in series_map.items()
            for name, price, qty, pop in items]
    by_name = {r[0]: r for r in rows}
    old = [(n, by_name[succ][1], by_name[succ][2], p, q, pop) for n, p, q, pop, succ in _RETIRED]
    allrows = rows + old
    names = [r[0] for r in allrows]
    successor = np.arange(len(allrows))
    for i, (*_, succ) in enumerate(_RETIRED):
        successor[len(rows) + i] = names.index(succ)
    return SimpleNamespace(
        n=len(allrows), id=ids("P", len(allrows), 3), name=np.array(names, dtype=object),
        category=np.array([r[1] for r in allrows], dtype=object),
        series=np.array([r[2] for r in allrows], dtype=object),
        price=np.array([r[3] for r in allrows], dtype=float),
        qty=np.array([r[4] for r in allrows], dtype=float),
        popularity=np.array([r[5] for r in allrows], dtype=float),
        active=np.arange(len(allrows)) < len(rows), successor=successor)


def products_frame(c: SimpleNamespace) -> pd.DataFrame:
    """Build the ``products`` table from the drawn catalogue.

    Parameters
    ----------
    c : types.SimpleNamespace
        The catalogue (:func:`catalogue`).

    Returns
    -------
    pandas.DataFrame
        One row per product: ``product_id``, ``name``, ``category``, ``series``, ``list_price``,
        ``active``.
    """
    return pd.DataFrame({"product_id": c.id, "name": c.name, "category": c.category,
                         "series": c.series, "list_price": c.price, "active": c.active})
