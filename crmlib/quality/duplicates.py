"""Duplicate customers and contacts: pairs, clusters and the merges a data steward should review.

Definitions (values folded as in :mod:`crmlib.quality.normalize`):

- **Which records.** Customers that are not deleted; contacts of any customer. Scope keeps the
  pairs where at least one record is owned (``owner_id``) by an employee in scope; duplicates
  are looked for across the whole company (a team's customer may duplicate another team's).
- **Rules.** ``phone``: the same normalised, valid phone number, and places that do not
  conflict (杭州明达 and 宁波华泰 sharing a number are not one company). ``email``: the same
  normalised, valid e-mail address and places that do not conflict; a role mailbox
  (``info@``, ``sales@`` ...: :data:`DUPLICATE_CONFIG` ``role_mailboxes``) counts only when
  the names match too, since a group's companies share them (the demo data holds 521 shared
  e-mail addresses, all role mailboxes, 23 of them by a planted duplicate). A phone or e-mail
  shared by more than ``max_group`` (10) records is a placeholder, not evidence: it is
  skipped with a warning. ``name``: customers whose company names match
  (:func:`~crmlib.quality.similarity.keys_match`: places not in conflict, and equal cores or
  core and brand similarity at least ``name_threshold``, the ``quality_name_threshold``
  parameter, 0.8); contacts of the same customer whose folded person names match alike.
- **Blocking.** Names are compared only within blocks of records whose cores start with the
  same 2 characters (4 for a Latin core; a match needs similar brands, which start the core,
  anyway); contacts also block by customer. Phones and e-mails group by value. On the
  200k-line demo (75,555 live customers) this compares 2.5 million candidate pairs instead of
  2.9 billion, in about 4 s; bigram similarities are computed as sparse-matrix products, a few
  million pairs at a time. A block of more than ``max_block`` (2,000) records — none on the
  1M-line demo, whose largest has 1,282 — compares each record with the ``window`` (50)
  records after it in the order of the cores (a sorted neighbourhood), with a warning: at 10M
  lines the 2-character blocks hold tens of thousands of names, and all pairs would be billions.
- **Pairs.** One row per pair of records (``id_a`` < ``id_b``) with every rule that matched.
  Clusters and suggested merges: :mod:`crmlib.quality.clusters`.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from crmlib.engine import live
from crmlib.quality.normalize import NameKey, fold_company, fold_person, province_of
from crmlib.quality.phones_emails import (
    email_is_valid,
    normalize_email,
    normalize_phone,
    phone_is_valid,
)
from crmlib.quality.similarity import bigram_matrix, jaccard_pairs
from crmlib.scope import Scope

__all__ = ["DUPLICATE_CONFIG", "PAIR_COLUMNS", "find_duplicates", "duplicate_pairs",
           "all_duplicates"]

log = logging.getLogger(__name__)

DUPLICATE_CONFIG: dict = {
    "name_threshold": 0.8,  # company names match at this bigram Jaccard similarity or above
    "role_mailboxes": ("info", "sales", "admin", "office", "contact", "service", "support",
                       "hr", "marketing", "finance", "hello", "enquiry", "enquiries", "mail",
                       "webmaster", "noreply", "no-reply", "team", "business", "kefu", "bd"),
    "max_group": 10,  # a phone/e-mail shared by more records is a placeholder
    "block_chars": 2,  # characters of a Chinese core's start that block; Latin cores use twice
    "max_block": 2000,  # a larger block compares each name with its `window` sorted neighbours
    "window": 50,
    "pair_chunk": 2_000_000,  # candidate name pairs scored at a time (bounds the memory)
    "legal_suffixes": None,  # None: normalize.LEGAL_SUFFIXES
    "place_aliases": None,  # None: normalize.PLACE_ALIASES
}

PAIR_COLUMNS = ["table", "id_a", "id_b", "rule", "score", "name_a", "name_b", "phone", "email",
                "evidence"]
_RULES = ("phone", "email", "name")
_ID = {"customers": "customer_id", "contacts": "contact_id"}


def _config(duplicate_config, threshold) -> dict:
    cfg = {**DUPLICATE_CONFIG, **(duplicate_config or {})}
    if threshold is not None:
        cfg["name_threshold"] = float(threshold)
    return cfg


def _prepare(records: pd.DataFrame, kind: str, cfg: dict) -> pd.DataFrame:
    """Return the folded keys of every record (core, head, place, phone, e-mail), by id.

    Sorted so that a pair of positions i < j is a pair of ids id_i < id_j.
    """
    df = pd.DataFrame({"id": records["id"].astype(str).to_numpy(),
                       "name": records["name"].to_numpy()})
    for col in ("phone", "email", "group"):
        df[col] = records[col].to_numpy() if col in records else None
    df = df.sort_values("id", kind="stable").reset_index(drop=True)
    if kind == "company":
        keys = [fold_company(n, legal_suffixes=cfg["legal_suffixes"],
                             place_aliases=cfg["place_aliases"]) for n in df["name"]]
    else:
        keys = [None if f is None else NameKey(None, f, f) for f in map(fold_person, df["name"])]
    df["core"] = [k.core if k else None for k in keys]
    df["head"] = [k.head if k else None for k in keys]
    df["place"] = [k.place if k else None for k in keys]
    df["province"] = [province_of(p) for p in df["place"]]
    for col, norm, valid in (("phone", normalize_phone, phone_is_valid),
                             ("email", normalize_email, email_is_valid)):
        df[col] = [norm(v) if valid(v) else None for v in df[col]]
    return df


def _pairs_from_groups(df: pd.DataFrame, key: str, cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    """Positions of all pairs of records sharing ``key`` (too widely shared values skipped)."""
    sub = pd.DataFrame({"pos": np.arange(len(df)), "k": df[key]}).dropna()
    sizes = sub.groupby("k")["pos"].transform("size")
    wide = sub.loc[sizes > cfg["max_group"], "k"].unique()
    if len(wide):
        warnings.warn(f"{len(wide)} {key} value(s) shared by more than {cfg['max_group']} "
                      "records were treated as placeholders, not as duplicates.", stacklevel=4)
    return _self_join(sub[(sizes > 1) & (sizes <= cfg["max_group"])])


def _self_join(k: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    m = k.merge(k, on="k", suffixes=("_a", "_b"))
    m = m[m["pos_a"] < m["pos_b"]].drop_duplicates(["pos_a", "pos_b"])
    return m["pos_a"].to_numpy(), m["pos_b"].to_numpy()


def _name_blocks(df: pd.DataFrame, kind: str, cfg: dict):
    """Yield candidate pairs for the name rule, in chunks of about ``pair_chunk`` pairs.

    Chunks bound scoring's memory. Candidates: records whose cores start alike (and, for
    people, that belong to the same customer). Every pair of a block of up to ``max_block`` records; in a larger
    block, each record with the ``window`` records that follow it in the order of the cores
    (a sorted neighbourhood: the pairs grow with the block, not with its square).

    Yields ``(pos_a, pos_b)`` arrays with ``pos_a < pos_b``; returns the number of records in
    blocks compared by neighbourhood (``StopIteration.value``).
    """
    has = df["core"].notna().to_numpy()
    core = df.loc[has, "core"]
    n = cfg["block_chars"]
    width = np.where(core.str.match(r"[\u3400-\u9fff]"), n, 2 * n)
    key = [c[:w] for c, w in zip(core, width, strict=True)]
    if kind != "company":
        key = [f"{g}:{k}" for g, k in zip(df.loc[has, "group"].astype(str), key, strict=True)]
    k = pd.DataFrame({"pos": np.flatnonzero(has), "k": key, "core": core.to_numpy()})
    k = k.sort_values(["k", "core", "pos"], kind="stable")
    pos = k["pos"].to_numpy()
    keys = k["k"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([])
    ends = np.r_[starts[1:], len(keys)].astype(int)
    big, window, chunk = int(cfg["max_block"]), int(cfg["window"]), int(cfg["pair_chunk"])
    buf_a, buf_b, held, wide = [], [], 0, 0
    for s0, e0 in zip(starts.astype(int), ends, strict=True):
        size = e0 - s0
        if size < 2:
            continue
        block = pos[s0:e0]
        if size <= big:
            i, j = np.triu_indices(size, 1)
        else:  # sorted neighbourhood
            wide += size
            d = np.arange(1, min(window, size - 1) + 1)
            i = np.concatenate([np.arange(size - x) for x in d])
            j = i + np.repeat(d, size - d)
        a, b = block[i], block[j]
        buf_a.append(np.minimum(a, b))
        buf_b.append(np.maximum(a, b))
        held += len(a)
        if held >= chunk:
            yield np.concatenate(buf_a), np.concatenate(buf_b)
            buf_a, buf_b, held = [], [], 0
    if held:
        yield np.concatenate(buf_a), np.concatenate(buf_b)
    return wide


class _Scorer:
    """Vectorised name comparison of record pairs (:func:`~crmlib.quality.similarity.keys_match`)."""

    def __init__(self, df: pd.DataFrame, threshold: float, roles):
        self.df, self.threshold, self.roles = df, threshold, roles
        self.core, self.core_n = bigram_matrix(df["core"].tolist())
        self.head, self.head_n = bigram_matrix(df["head"].tolist())
        self.cores = df["core"].to_numpy(dtype=object)
        self.place = df["place"].to_numpy(dtype=object)
        self.prov = df["province"].to_numpy(dtype=object)
        self.has = df["core"].notna().to_numpy()

    def __call__(self, ia, ib) -> pd.DataFrame:
        equal = self.has[ia] & (self.cores[ia] == self.cores[ib])
        score = np.where(equal, 1.0, jaccard_pairs(self.core, self.core_n, ia, ib))
        score = np.where(self.has[ia] & self.has[ib], score, 0.0)
        pa, pb = self.place[ia], self.place[ib]
        conflict = ((pa != None) & (pb != None) & (pa != pb)  # noqa: E711 - elementwise
                    & (self.prov[ia] != pb) & (self.prov[ib] != pa))
        fuzzy = (score >= self.threshold) & (
            jaccard_pairs(self.head, self.head_n, ia, ib) >= self.threshold)
        email = self.df["email"].to_numpy(dtype=object)[ia]
        role = np.array([e is not None and e.split("@")[0] in self.roles for e in email],
                        dtype=bool)
        return pd.DataFrame({"pos_a": ia, "pos_b": ib, "score": score, "conflict": conflict,
                             "match": ~conflict & self.has[ia] & self.has[ib] & (equal | fuzzy),
                             "role": role})


def find_duplicates(records: pd.DataFrame, *, kind: str = "company", threshold=None,
                    duplicate_config=None) -> pd.DataFrame:
    """Return duplicate pairs among ``records`` (pandas; the core of :func:`duplicate_pairs`).

    Parameters
    ----------
    records : pandas.DataFrame
        Columns ``id``, ``name`` and, when present, ``phone``, ``email``; for
        ``kind="person"`` also ``group`` (the customer: names match only within it).
    kind : {"company", "person"}, default="company"
        How names are folded and compared (see the module docstring).
    threshold : float, optional
        Name similarity at which names match; default ``duplicate_config["name_threshold"]``.
    duplicate_config : dict, optional
        Overrides of :data:`DUPLICATE_CONFIG`.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_a``, ``id_b`` (``id_a`` < ``id_b``), ``rule`` (the rules that matched,
        of phone / email / name, joined by ``+``), ``score`` (name similarity, 0..1),
        ``name_a``, ``name_b``, ``phone`` and ``email`` (the shared normalised value when that
        rule matched, else None) and ``evidence`` (a sentence without personal data). Sorted by
        ``id_a``, ``id_b``. ``attrs`` holds ``candidates`` (name pairs compared) and
        ``rejected_keys`` (phone/e-mail pairs whose names contradict the match).
    """
    cfg = _config(duplicate_config, threshold)
    df = _prepare(records, kind, cfg)
    found = []
    rejected = 0
    score = _Scorer(df, cfg["name_threshold"], set(cfg["role_mailboxes"]))
    for key in ("phone", "email"):
        s = score(*_pairs_from_groups(df, key, cfg))
        ok = ~s["conflict"]
        if key == "email":
            ok &= ~s["role"] | s["match"]  # info@ is shared across a group's companies
        rejected += int((~ok).sum())
        found.append(s[ok].assign(rule=key))
    candidates, blocks = 0, _name_blocks(df, kind, cfg)
    while True:
        try:
            ia, ib = next(blocks)
        except StopIteration as stop:
            wide = stop.value
            break
        candidates += len(ia)
        s = score(ia, ib)
        found.append(s[s["match"]].assign(rule="name"))
    if wide:
        warnings.warn(f"{wide} records are in name blocks of more than {cfg['max_block']}; "
                      f"each was compared with the {cfg['window']} names next to it in sorted "
                      "order, not with all of its block: duplicates whose names sort further "
                      "apart are missed by the name rule.", stacklevel=2)
    pairs = pd.concat(found, ignore_index=True)
    out = _combine(pairs, df)
    out.attrs.update(candidates=candidates, rejected_keys=rejected, neighbourhood=wide)
    return out


def _combine(pairs: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    cols = ["id_a", "id_b", "rule", "score", "name_a", "name_b", "phone", "email", "evidence"]
    if pairs.empty:
        return pd.DataFrame(columns=cols).astype({"score": "float64"})
    order = {r: i for i, r in enumerate(_RULES)}
    g = pairs.groupby(["pos_a", "pos_b"], sort=True).agg(
        rules=("rule", lambda r: sorted(set(r), key=order.get)), score=("score", "first"))
    g = g.reset_index()
    a, b = df.iloc[g["pos_a"]], df.iloc[g["pos_b"]]
    g["id_a"], g["id_b"] = a["id"].to_numpy(), b["id"].to_numpy()
    g["rule"] = ["+".join(r) for r in g["rules"]]
    g["name_a"], g["name_b"] = a["name"].to_numpy(), b["name"].to_numpy()
    g["phone"] = [p if "phone" in r else None for p, r in zip(a["phone"], g["rules"], strict=True)]
    g["email"] = [e if "email" in r else None for e, r in zip(a["email"], g["rules"], strict=True)]
    g["evidence"] = [_evidence(r, s, pa, pb) for r, s, pa, pb in zip(
        g["rules"], g["score"], a["place"], b["place"], strict=True)]
    return g[cols].reset_index(drop=True)


def _evidence(rules, score, place_a, place_b) -> str:
    parts = [{"phone": "same phone", "email": "same e-mail", "name": "names match"}[r]
             for r in rules]
    parts.append(f"name similarity {score:.2f}")
    if place_a or place_b:
        parts.append(f"place {place_a or '-'} / {place_b or '-'}")
    return "; ".join(parts)


def _records(crm, table: str) -> pd.DataFrame:
    if table == "customers":
        t = live(crm.table("customers"))
        return t.select(id="customer_id", name="name", phone="phone", email="email",
                        owner="owner_id").execute()
    t = crm.table("contacts")
    return t.select(id="contact_id", name="name", phone="phone", email="email",
                    group="customer_id", owner="owner_id").execute()


def duplicate_pairs(crm, *, table: str = "customers", scope: Scope | None = None,
                    threshold=None, duplicate_config=None) -> pd.DataFrame:
    """Pairs of duplicate customers or contacts (see the module docstring for the rules).

    Parameters
    ----------
    crm : CRM
        The data.
    table : {"customers", "contacts"}, default="customers"
        Which records are compared: companies (``customers``) or people (``contacts``).
    scope : Scope, optional
        Keep pairs where at least one record's ``owner_id`` is in scope; None = company.
    threshold : float, optional
        Company-name similarity at which names match (the ``quality_name_threshold``
        parameter); default :data:`DUPLICATE_CONFIG` ``name_threshold`` (0.8).
    duplicate_config : dict, optional
        Overrides of :data:`DUPLICATE_CONFIG`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PAIR_COLUMNS`: ``table``, then as :func:`find_duplicates`. Empty (with
        these columns) when the table is absent. ``attrs``: ``table``, ``records`` (compared),
        ``candidates``, ``rejected_keys``.

    Examples
    --------
    >>> import crmlib
    >>> pairs = duplicate_pairs(crmlib.connect())
    >>> list(pairs.columns[:5])
    ['table', 'id_a', 'id_b', 'rule', 'score']
    """
    if table not in _ID:
        from crmlib.exceptions import ParamsError

        raise ParamsError(f"`table` {table!r} has no duplicate rules; use customers or contacts.")
    if not crm.has(table):
        out = pd.DataFrame(columns=PAIR_COLUMNS)
        out.attrs.update(table=table, records=0, candidates=0, rejected_keys=0)
        return out
    recs = _records(crm, table)
    out = find_duplicates(recs, kind="company" if table == "customers" else "person",
                          threshold=threshold, duplicate_config=duplicate_config)
    attrs = dict(out.attrs)
    scope = scope or Scope()
    if scope.employee_ids is not None:
        owned = set(recs.loc[recs["owner"].isin(scope.employee_ids), "id"].astype(str))
        out = out[out["id_a"].isin(owned) | out["id_b"].isin(owned)].reset_index(drop=True)
    out.insert(0, "table", table)
    out.attrs.update(attrs, table=table, records=len(recs))
    log.info("%s: %d duplicate pairs among %d records (%d name candidates)", table, len(out),
             len(recs), attrs["candidates"])
    return out


def all_duplicates(crm, *, scope: Scope | None = None, threshold=None,
                   duplicate_config=None) -> pd.DataFrame:
    """Return duplicate customers and contacts in one frame: :func:`duplicate_pairs` of both tables.

    Parameters
    ----------
    crm : CRM
        The data.
    scope, threshold, duplicate_config
        As for :func:`duplicate_pairs`.

    Returns
    -------
    pandas.DataFrame
        Customers first (columns :data:`PAIR_COLUMNS`). ``attrs``: ``records`` and
        ``candidates`` summed over both, ``threshold`` (the name threshold used).
    """
    parts = [duplicate_pairs(crm, table=t, scope=scope, threshold=threshold,
                             duplicate_config=duplicate_config) for t in _ID]
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(records=sum(p.attrs["records"] for p in parts),
                     candidates=sum(p.attrs["candidates"] for p in parts),
                     threshold=_config(duplicate_config, threshold)["name_threshold"])
    return out
