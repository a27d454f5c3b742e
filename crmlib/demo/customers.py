"""Customers and their purchase plan, names, places, phones, e-mails and contacts.

Each customer is drawn independently: when it was created (accounts carried over from before the
go-live are "legacy"), its team, size (which sets its level A/B/C and its order sizes), source and
whether it ever buys. Buyers make a first purchase after a deal cycle and then repeat purchases as
in the BG/NBD model: while "alive" they buy as a Poisson process of rate ``lam`` (Gamma
distributed across customers), and after each purchase they drop out with probability ``drop``
(Beta distributed). Customers are drawn until their contract lines reach the requested number.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmlib.demo import vocab
from crmlib.demo.common import (
    as_arrow,
    choose,
    group_starts,
    ids,
    join,
    rank_in_group,
    stack,
    take,
    weighted,
)
from crmlib.demo.names import CITIES, CN_LEGAL_FORMS, EN_LEGAL_FORMS, company_names, mobiles
from crmlib.demo.org import person_names, pick_owner
from crmlib.demo.timeline import END, LAST, at_work, sample_times, to_datetime, unwarp, warp

__all__ = ["customers", "customers_frame", "contacts_frame", "near_duplicates"]

LEGACY_SHARE = 0.10  # of customers: accounts created before the go-live
LEGACY_DAYS = 3 * 365
P_DEAL = np.array([0.62, 0.42, 0.26])  # chance to ever buy, by level A / B / C
LEVELS = ["A", "B", "C"]
DUPLICATE_SHARE = 0.005
SIZE_SIGMA = 1.2  # spread of customer sizes (log scale): order values, hence the Pareto share
REPEATED_PRODUCT = 0.045  # share of drawn lines dropped as a product repeated on a contract
_PROVINCE_OF = [p for r in vocab.REGIONS.values() for p, cs in r.items() for _ in cs]
# a legal form at the end of a name; a Chinese name as city, rest, legal form
_LEGAL_RE = "(" + "|".join(sorted(CN_LEGAL_FORMS + EN_LEGAL_FORMS, key=len, reverse=True)) \
    .replace(".", r"\.") + ")$"
_REORDER_RE = "^(" + "|".join(sorted({x[:-1] for x in CITIES}, key=len, reverse=True)) \
    + ")(.+?)((股份|集团)?有限公司)$"


def _draw(rng, n: int, share) -> SimpleNamespace:
    """``n`` independent customers with their purchase plan (counts only, no times yet)."""
    legacy = rng.random(n) < LEGACY_SHARE
    created = np.where(legacy, at_work(rng, -rng.uniform(1, LEGACY_DAYS, n)), sample_times(rng, n))
    size = rng.lognormal(0.0, SIZE_SIGMA, n)
    # level A for the biggest 15 %, B for the next 35 %
    level = np.where(size > np.exp(SIZE_SIGMA * 1.0364), 0, np.where(size > 1.0, 1, 2))
    source = weighted(rng, [(k, v[0]) for k, v in vocab.SOURCES.items()], n)
    mult = np.array([v[1] for v in vocab.SOURCES.values()])
    buyer = rng.random(n) < np.where(legacy, 0.75, np.minimum(P_DEAL[level] * mult[source], 0.9))
    lam = rng.gamma(0.7, 3.5 / 0.7, n)  # purchases per year while alive
    drop = rng.beta(1.3, 4.0, n)  # chance of dropping out after each purchase
    # business time of the first purchase: a deal cycle after creation; for legacy accounts the
    # next purchase of a customer who is already buying
    first_w = np.where(legacy, rng.exponential(365.25 / lam), warp(created) + rng.gamma(1.6, 32, n))
    first = buyer & (first_w < END)
    arrivals = rng.poisson(lam / 365.25 * np.where(first, END - first_w, 0.0))
    repeats = np.minimum(arrivals, rng.geometric(drop) - 1)
    return SimpleNamespace(
        n=n, legacy=legacy, created=created, size=size, level=level, source=source,
        team=rng.choice(len(share), n, p=share), buyer=buyer, first_w=first_w,
        arrivals=arrivals, repeats=repeats, n_contracts=first.astype(np.int64) + repeats,
        duplicate=np.zeros(n, dtype=bool))


def _plan(rng, lines: int, share) -> tuple[SimpleNamespace, np.ndarray]:
    """Draw customers until their contracts hold ``lines`` lines; also return lines per contract."""
    batches, k_batches, total = [], [], 0
    while total < lines:
        c = _draw(rng, max(1000, int(lines / 3.0)), share)
        mu = 1.45 * np.repeat(c.size, c.n_contracts) ** 0.2
        k = 1 + np.minimum(rng.poisson(mu), 7)
        batches.append(c)
        k_batches.append(k)
        total += k.sum()
    c, k = batches[0], np.concatenate(k_batches)
    for b in batches[1:]:
        c = stack(c, b)
    per_customer = np.bincount(np.repeat(np.arange(c.n), c.n_contracts), k, minlength=c.n)
    keep = int(np.searchsorted(np.cumsum(per_customer), lines / (1 - REPEATED_PRODUCT))) + 1
    return take(c, slice(0, keep)), k[: c.n_contracts[:keep].sum()]


def _purchase_times(rng, c: SimpleNamespace) -> np.ndarray:
    """Return the times of every contract, customer after customer: first, then repeats.

    The repeats of a customer are the first ``repeats`` of ``arrivals`` uniform points over the rest
    of the data's business time (their order statistics, drawn without drawing all points).
    """
    has_first = c.n_contracts > c.repeats
    row = np.repeat(np.arange(c.n), c.repeats)
    r = rank_in_group(c.repeats)
    step = np.log(rng.random(len(row))) / (c.arrivals[row] - r)
    cum = np.cumsum(step)
    some = c.repeats > 0
    st = group_starts(c.repeats)[some]
    cum -= np.repeat(cum[st] - step[st], c.repeats[some])  # cumulative sums within each customer
    repeat_w = c.first_w[row] + (1 - np.exp(cum)) * (END - c.first_w[row])
    # lay out as: customer i's first purchase then its repeats
    first_t = np.maximum(at_work(rng, unwarp(c.first_w[has_first])), c.created[has_first] + 0.01)
    first_of = np.full(c.n, np.nan)
    first_of[has_first] = first_t
    t = np.empty(c.n_contracts.sum())
    start = group_starts(c.n_contracts)
    t[start[has_first]] = first_t
    pos = np.repeat(start + has_first, c.repeats) + r
    t[pos] = np.maximum(at_work(rng, unwarp(repeat_w)), first_of[row])
    return np.minimum(t, LAST)


def _places(rng, c: SimpleNamespace, teams) -> None:
    """Province and city: in the team's region, or the big cities for Global Accounts."""
    c.city_code = np.zeros(c.n, dtype=np.int64)
    for k, team in enumerate(teams):
        rows = np.flatnonzero(c.team == k)
        if team == "global":
            cities = [CITIES.index(city) for _, city, _ in vocab.GLOBAL_CITIES]
            w = np.array([.35, .25, .2, .1, .1])
        else:
            region = vocab.REGIONS[vocab.TEAMS[team][1]]
            pairs = [(city, 2.0 if i == 0 else 1.0)  # the capital is busier
                     for cs in region.values() for i, city in enumerate(cs)]
            cities = [CITIES.index(city) for city, _ in pairs]
            w = np.array([p[1] for p in pairs])
        c.city_code[rows] = np.array(cities)[rng.choice(len(cities), len(rows), p=w / w.sum())]
    c.province = choose(_PROVINCE_OF, c.city_code)
    c.city = choose(CITIES, c.city_code)


def _describe(rng, c: SimpleNamespace, teams) -> None:
    """Industry, level, place, a unique name, phone and e-mail of every customer."""
    c.english = np.array([teams[k] == "global" for k in c.team], dtype=bool)
    c.industry = weighted(rng, [(k, v[0]) for k, v in vocab.INDUSTRIES.items()], c.n)
    _places(rng, c, teams)
    c.name, c.domain, c.legal = (np.empty(c.n, dtype=object) for _ in range(3))
    rows = np.arange(c.n)
    for _ in range(12):  # redraw names that are taken
        company_names(rng, c, rows)
        rows = np.flatnonzero(pd.Series(c.name).duplicated().to_numpy())
        if not len(rows):
            break
    c.phone = mobiles(rng, c.n)
    for _ in range(12):
        dup = np.flatnonzero(pd.Series(c.phone).duplicated().to_numpy())
        if not len(dup):
            break
        c.phone[dup] = mobiles(rng, len(dup))
    local = choose(vocab.EMAIL_LOCAL, rng.integers(0, len(vocab.EMAIL_LOCAL), c.n))
    c.email = join(local, "@", c.domain)
    c.phone[rng.random(c.n) < 0.04] = None
    c.email[rng.random(c.n) < 0.12] = None


def near_duplicates(rng, c: SimpleNamespace) -> SimpleNamespace:
    """Return about 0.5 % near-duplicates of customers ``c``, entered again later by another.

    Same phone (mostly) or e-mail, and the name written differently: another legal form, brackets
    around the city, full-width brackets, upper case, or no legal form at all. The sources are
    the first draw of ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The customers' random stream.
    c : types.SimpleNamespace
        The customers drawn so far (one array per attribute).

    Returns
    -------
    types.SimpleNamespace
        The duplicates, in the same form.
    """
    src = np.flatnonzero(rng.random(c.n) < DUPLICATE_SHARE)
    d = take(c, src)
    d.legacy[:] = False
    d.buyer[:] = False
    d.duplicate[:] = True
    d.n_contracts[:] = 0
    d.repeats[:] = 0
    base = np.maximum(d.created, 0.0)
    d.created = at_work(rng, base + rng.uniform(0.02, 1.0, d.n) * np.minimum(300, END - 1 - base))
    d.created = np.clip(d.created, base + 0.01, LAST)
    name = pa.array(d.name, pa.string())
    short = pc.utf8_rtrim_whitespace(pc.replace_substring_regex(name, _LEGAL_RE, ""))
    cn_variants = [
        pc.replace_substring_regex(name, "(股份|集团)?有限公司$", "有限责任公司"),
        pc.replace_substring_regex(name, _REORDER_RE, "\\2（\\1）\\3"),  # 明达科技（杭州）有限公司
        short,
        pc.binary_join_element_wise(short, " ", pa.array(d.legal, pa.string()), ""),
        name,
    ]
    en_variants = [
        pc.replace_substring_regex(pc.replace_substring_regex(
            name, r"Co\., Ltd\.$", "Company Limited"), r"Ltd\.$", "Limited"),
        pc.replace_substring(pc.replace_substring(name, "(", "（"), ")", "）"),
        pc.utf8_upper(name),
        short,
        name,
    ]
    variant = rng.integers(0, len(cn_variants), d.n)
    d.name = np.empty(d.n, dtype=object)
    for i, (cn, en) in enumerate(zip(cn_variants, en_variants, strict=True)):
        both = pc.if_else(pa.array(d.english), en, cn).to_numpy(zero_copy_only=False)
        d.name[variant == i] = both[variant == i]
    new_phone = rng.random(d.n) < 0.3
    d.phone[new_phone] = mobiles(rng, int(new_phone.sum()))
    d.email[rng.random(d.n) < 0.5] = None
    return d


def customers(rng, lines: int, s: SimpleNamespace) -> tuple[SimpleNamespace, SimpleNamespace]:
    """Draw customers (sorted by creation, with ids and first owners) and their purchases.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    lines : int
        The scale: about how many contract lines.
    s : types.SimpleNamespace
        The staff (:func:`crmlib.demo.org.staff`).

    Returns
    -------
    tuple of (types.SimpleNamespace, types.SimpleNamespace)
        ``(c, p)``: ``p`` holds one row per contract-to-be, in time order: ``cust`` (index into
        ``c``), ``first`` (the customer's first purchase), ``t`` and ``lines`` (its number of lines).
    """
    share = np.array([vocab.TEAMS[t][2] for t in s.teams])
    c, k = _plan(rng, lines, share / share.sum())
    t = _purchase_times(rng, c)
    cust = np.repeat(np.arange(c.n), c.n_contracts)
    first = rank_in_group(c.n_contracts) == 0
    first &= np.repeat(c.n_contracts > c.repeats, c.n_contracts)
    _describe(rng, c, s.teams)
    c = stack(c, near_duplicates(rng, c))
    order = np.argsort(c.created, kind="stable")
    c = take(c, order)
    new_index = np.empty(c.n, dtype=np.int64)
    new_index[order] = np.arange(c.n)
    c.id = ids("C", c.n)
    c.name_pa = pa.array(c.name, pa.string())  # for names built from the customer's
    c.owner0 = pick_owner(rng, s, c.team, c.created)
    by_time = np.argsort(t, kind="stable")
    p = SimpleNamespace(n=len(t), cust=new_index[cust][by_time], first=first[by_time],
                        t=t[by_time], lines=k[by_time])
    return c, p


def customers_frame(c: SimpleNamespace) -> pd.DataFrame:
    """Build the ``customers`` table from the customer arrays and the fields set later.

    Parameters
    ----------
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``name``, ``created_at``, ``owner_id`` (None in
        the public pool), ``industry``, ``level``, ``source``, ``province``, ``city``,
        ``phone``, ``email``, ``status``, ``dealt_at``, ``last_followup_at``,
        ``next_followup_at``.
    """
    return pd.DataFrame({
        "customer_id": c.id, "name": c.name, "created_at": to_datetime(c.created),
        "owner_id": c.owner_id, "industry": choose(list(vocab.INDUSTRIES), c.industry),
        "level": choose(LEVELS, c.level), "source": choose(list(vocab.SOURCES), c.source),
        "province": c.province, "city": c.city, "phone": c.phone, "email": c.email,
        "status": c.status, "dealt_at": to_datetime(c.dealt_at),
        "last_followup_at": to_datetime(c.last_followup),
        "next_followup_at": to_datetime(c.next_followup),
    })


def contacts_frame(rng, c: SimpleNamespace) -> pd.DataFrame:
    """Build the ``contacts`` table: 1-4 people per customer (more at big ones), owned as it.

    Parameters
    ----------
    rng : numpy.random.Generator
        The builder's random stream.
    c : types.SimpleNamespace
        The customers (:func:`crmlib.demo.customers.customers`).

    Returns
    -------
    pandas.DataFrame
        One row per contact, by creation time: ``contact_id``, ``customer_id``, ``name``,
        ``created_at``, ``owner_id``, ``title``, ``phone``, ``email``.
    """
    n_per = 1 + np.minimum(rng.poisson(0.4 + 0.5 * (c.level == 0)), 3)
    row = np.repeat(np.arange(c.n), n_per)
    nth = rank_in_group(n_per)
    base = np.maximum(c.created[row], 0.0)
    later = np.where(nth == 0, rng.exponential(4, len(row)), rng.uniform(0, 400, len(row)))
    created = np.where(c.created[row] < 0, c.created[row],
                       np.maximum(at_work(rng, base + later), c.created[row] + 0.001))
    keep = created < END
    row, created = row[keep], created[keep]
    english = c.english[row]
    name, login = person_names(rng, english, logins=True)
    en_title = choose(vocab.EN_TITLES, rng.integers(0, len(vocab.EN_TITLES), len(row)))
    title = np.where(english, en_title,
                     choose(vocab.CN_TITLES, rng.integers(0, len(vocab.CN_TITLES), len(row))))
    email = join(login, "@", as_arrow(c.domain[row]))
    email[rng.random(len(row)) < 0.25] = None
    phone = mobiles(rng, len(row))
    phone[rng.random(len(row)) < 0.1] = None
    order = np.argsort(created, kind="stable")
    return pd.DataFrame({
        "contact_id": ids("LX", len(row)), "customer_id": c.id[row][order], "name": name[order],
        "created_at": to_datetime(created[order]), "owner_id": c.owner_id[row][order],
        "title": title[order], "phone": phone[order], "email": email[order]})
