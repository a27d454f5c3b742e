"""Customer value (客户价值): RFM per customer, two segment schemes, Pareto, segment migration.

Definitions (docs/metrics.md, "Customer value"):

- **Purchases.** Effective contracts (status ``approved`` or empty) signed on or before ``as_of``
  (the whole day included) and, with ``window_days``, on one of the last ``window_days`` days
  (``as_of - window_days + 1`` .. ``as_of``), of live customers (not deleted) whose
  ``customers.owner_id`` is in the scope (a team or employee scope leaves out the public pool).
  A *purchase day* is a calendar day with at least one such contract: same-day contracts merge.
  Customers without a purchase are not in the table.
- **R, F, M.** ``recency_days`` = whole days from the last purchase day to ``as_of`` (0 = bought
  on ``as_of``); ``frequency`` = purchase days; ``revenue`` = total amount; ``monetary`` =
  ``revenue`` (``monetary="total"``) or ``revenue / frequency`` (``"mean"``: per purchase day).
- **Scores 1..5** (higher is better), computed in the engine over the customers of the table:
  ``score = 1 + floor(5 * (rank - 1) / n)``, where ``rank`` is the SQL ``RANK()`` (the *minimum*
  rank of the tie group, 1-based) when customers are ordered from worst to best: recency by
  days, most days first; frequency and monetary by value, smallest first. Equal values always
  share a score (the score of the tie group's first position), so scores are deterministic and
  a large tie group pushes the next value up: e.g. when 60 % of customers bought once they all
  get ``f_score`` 1 (they tie at the lowest value, rank 1) and two-time buyers start at rank
  0.6 n + 1, score 4; scores 2 and 3 are then unused. With fewer than 5 customers the top
  scores are unused too (the best of n gets 1 + floor(5 (n - 1) / n)). Monetary is ranked rounded to 2 decimals
  (cents) so that float summation noise never breaks a tie. ``rfm_score`` = e.g. ``"545"``.
- **Segments** (ordered rules, first match wins; :data:`RFM_SCHEMES`, overridable with
  ``segments_config``). Every customer gets one segment of each scheme
  (``segment_<scheme>`` columns; ``segment`` is the chosen scheme's):

  - ``rfm11``, on scores, with ``fm = (f_score + m_score) / 2``; ranges are inclusive and tried
    in this order: champions r 4-5 fm 4-5; loyal_customers r 3-5 fm 3-5; potential_loyalist
    r 4-5 fm 2-3; new_customers r 5 fm 1-1.5; promising r 4 fm 1-1.5; need_attention r 3 fm 2-3;
    about_to_sleep r 3 fm 1-1.5; at_risk r 1-2 fm 3-4; cant_lose_them r 1-2 fm 4.5-5;
    hibernating r 2 fm 1-2.5; lost r 1 fm 1-2.5. Each of the 125 score combinations matches.
  - ``cn8`` (重要价值 ... 一般挽留), on the *raw values*, not the scores: R is high when
    ``recency_days`` is strictly below the threshold (fewer days is better), F high when
    ``frequency`` is strictly above it, M high when ``monetary`` is strictly above it; the
    threshold is the mean (``threshold="mean"``) or the median (midpoint of the two middle
    values) of the table's customers. A value equal to the threshold is low.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping

import ibis
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import check_choice, effective, end_of, live, report_day
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope

__all__ = ["CN8_SEGMENTS", "RFM11_SEGMENTS", "RFM_SCHEMES", "RFM_COLUMNS", "rfm", "purchase_days",
           "compile_scheme"]

# rfm11: ranges (inclusive) on r, f, m scores and fm = (f + m) / 2; first match wins.
RFM11_SEGMENTS: dict[str, dict] = {
    "champions": {"r": (4, 5), "fm": (4, 5)},
    "loyal_customers": {"r": (3, 5), "fm": (3, 5)},
    "potential_loyalist": {"r": (4, 5), "fm": (2, 3)},
    "new_customers": {"r": (5, 5), "fm": (1, 1.5)},
    "promising": {"r": (4, 4), "fm": (1, 1.5)},
    "need_attention": {"r": (3, 3), "fm": (2, 3)},
    "about_to_sleep": {"r": (3, 3), "fm": (1, 1.5)},
    "at_risk": {"r": (1, 2), "fm": (3, 4)},
    "cant_lose_them": {"r": (1, 2), "fm": (4.5, 5)},
    "hibernating": {"r": (2, 2), "fm": (1, 2.5)},
    "lost": {"r": (1, 1), "fm": (1, 2.5)},
}
# cn8: high / low of the raw R, F, M against the customers' mean or median; first match wins.
CN8_SEGMENTS: dict[str, dict] = {
    "important_value": {"r": "high", "f": "high", "m": "high"},
    "important_develop": {"r": "high", "f": "low", "m": "high"},
    "important_keep": {"r": "low", "f": "high", "m": "high"},
    "important_retain": {"r": "low", "f": "low", "m": "high"},
    "general_value": {"r": "high", "f": "high", "m": "low"},
    "general_develop": {"r": "high", "f": "low", "m": "low"},
    "general_keep": {"r": "low", "f": "high", "m": "low"},
    "general_retain": {"r": "low", "f": "low", "m": "low"},
}
RFM_SCHEMES: dict[str, dict[str, dict]] = {"rfm11": RFM11_SEGMENTS, "cn8": CN8_SEGMENTS}

RFM_COLUMNS = ["customer_id", "last_purchase_at", "recency_days", "frequency", "monetary",
               "revenue", "r_score", "f_score", "m_score", "rfm_score"]
_KEYS = ("r", "f", "m", "fm")
_LEVELS = ("high", "low")
NEW_ROW, LAPSED_COLUMN = "new", "lapsed"


# -- parameters -------------------------------------------------------------------------------
def _window(window_days) -> int | None:
    if window_days is None:
        return None
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ParamsError(f"`window_days` {window_days!r} must be a whole number of days of at "
                          "least 1 (or None for all history).")
    return window_days


def _check_rule(scheme: str, seg, rule) -> set[str]:
    where = f"segment `{seg}` of scheme `{scheme}`"
    if not isinstance(rule, Mapping):
        raise ParamsError(f"{where} is {rule!r}, not a mapping of conditions; write e.g. "
                          "{r: [4, 5], fm: [4, 5]} or {r: high, f: low, m: high}.")
    kinds = set()
    for key, cond in rule.items():
        if key not in _KEYS:
            hint = difflib.get_close_matches(str(key), _KEYS, n=1)
            raise ParamsError(f"{where}: unknown condition `{key}`"
                              + (f"; did you mean `{hint[0]}`?" if hint else ".")
                              + " Use r, f, m (or fm for score ranges).")
        if isinstance(cond, str):
            if cond not in _LEVELS or key == "fm":
                raise ParamsError(f"{where}: `{key}: {cond}` is not valid; a level condition is "
                                  "`high` or `low` on r, f or m.")
            kinds.add("level")
            continue
        ok = (isinstance(cond, (list, tuple)) and len(cond) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cond)
              and 1 <= cond[0] <= cond[1] <= 5)
        if not ok:
            raise ParamsError(f"{where}: `{key}: {cond!r}` is not a score range; write "
                              "[low, high] with 1 <= low <= high <= 5.")
        kinds.add("score")
    return kinds


def compile_scheme(scheme: str, rules) -> tuple[str, dict[tuple, str]]:
    """Validate a segment scheme and tabulate every score combination's segment.

    Parameters
    ----------
    scheme : str
        The scheme's name, for messages.
    rules : mapping
        Segment id -> rule, as in :data:`RFM_SCHEMES`.

    Returns
    -------
    tuple of (str, dict)
        The kind and the table. Kind ``score`` keys the table by (r, f, m) scores 1..5;
        ``level`` by ("high"|"low",) x 3. Values are segment ids.

    Raises
    ------
    ParamsError
        A rule is malformed, the scheme mixes kinds, or a combination has no segment.
    """
    if not isinstance(rules, Mapping) or not rules:
        raise ParamsError(f"segment scheme `{scheme}` is {rules!r}; it must map segment ids to "
                          "rules (see crmlib.metrics.rfm_scores.RFM_SCHEMES).")
    kinds = set().union(*(_check_rule(scheme, s, r) for s, r in rules.items()))
    if len(kinds) > 1:
        raise ParamsError(f"segment scheme `{scheme}` mixes score ranges and high/low "
                          "conditions; use one kind per scheme.")
    kind = kinds.pop() if kinds else "score"

    def hit(rule, combo) -> bool:
        vals = dict(zip("rfm", combo, strict=True))
        if kind == "score":
            vals["fm"] = (combo[1] + combo[2]) / 2
            return all(lo <= vals[k] <= hi for k, (lo, hi) in rule.items())
        return all(vals[k] == cond for k, cond in rule.items())

    axis = range(1, 6) if kind == "score" else _LEVELS
    table = {}
    for combo in itertools.product(axis, repeat=3):
        seg = next((s for s, rule in rules.items() if hit(rule, combo)), None)
        if seg is None:
            raise ParamsError(f"segment scheme `{scheme}`: r={combo[0]} f={combo[1]} "
                              f"m={combo[2]} matches no rule; add a rule for it or a catch-all "
                              "rule ({}) at the end.")
        table[combo] = seg
    return kind, table


def _schemes(segments_config) -> dict[str, dict]:
    if segments_config is None:
        return dict(RFM_SCHEMES)
    if not isinstance(segments_config, Mapping):
        raise ParamsError(f"`segments_config` is a {type(segments_config).__name__}; pass a "
                          "mapping of scheme name to rules, e.g. {'rfm11': {...}}.")
    return {**RFM_SCHEMES, **segments_config}


# -- the engine query -----------------------------------------------------------------------
def purchase_days(crm: CRM, *, as_of: pd.Timestamp, scope: Scope | None = None,
                  window_days: int | None = None) -> ibis.Table:
    """Return the engine-side table of purchase days.

    See the module docstring: one row per customer and
    day with columns ``customer_id``, ``day`` (a date) and ``amount`` (that day's total).

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : date-like, optional
        The report's day (its whole day included); default the data's last event date.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    window_days : int, optional
        Only purchases in the last ``window_days`` days up to ``as_of`` count; None: every purchase.

    Returns
    -------
    ibis.Table
        Purchase days per customer (an engine expression).
    """
    k = effective(crm.table("contracts"))
    cond = k.signed_at < ibis.literal(end_of(as_of).to_pydatetime())
    if window_days is not None:
        start = as_of - pd.Timedelta(days=window_days - 1)
        cond &= k.signed_at >= ibis.literal(start.to_pydatetime())
    customers = (scope or Scope()).filter(live(crm.table("customers")), "owner_id")
    k = k.filter(cond).inner_join(customers.select("customer_id"), "customer_id")
    k = k.mutate(day=k.signed_at.date())
    return k.group_by("customer_id", "day").aggregate(amount=k.amount.sum())


def _query(crm, as_of, scope, window_days, monetary) -> pd.DataFrame:
    d = purchase_days(crm, as_of=as_of, scope=scope, window_days=window_days)
    g = d.group_by("customer_id").aggregate(last_purchase_at=d.day.max(), frequency=d.count(),
                                            revenue=d.amount.sum())
    g = g.mutate(recency_days=ibis.date(as_of.date()).delta(g.last_purchase_at, unit="day"),
                 monetary=g.revenue if monetary == "total" else g.revenue / g.frequency)
    n = g.customer_id.count().over(ibis.window())

    def score(order):  # 1 + floor(5 * (min rank - 1) / n); ibis.rank() is RANK() - 1
        return (1 + (5 * ibis.rank().over(order_by=order) / n).floor()).cast("int64")

    g = g.mutate(r_score=score(ibis.desc(g.recency_days)), f_score=score(g.frequency),
                 m_score=score(g.monetary.round(2)))
    return g.order_by("customer_id").execute()  # sorted in the engine, not in pandas


# -- rfm --------------------------------------------------------------------------------------
def _levels(df: pd.DataFrame, threshold: str) -> tuple[dict, dict]:
    cols = {"r": "recency_days", "f": "frequency", "m": "monetary"}
    cut = {c: float(getattr(df[c].astype("float64"), threshold)()) for c in cols.values()}
    high = {"r": df["recency_days"] < cut["recency_days"],  # fewer days is better
            "f": df["frequency"] > cut["frequency"], "m": df["monetary"] > cut["monetary"]}
    return cut, {k: ["high" if h else "low" for h in v] for k, v in high.items()}


def rfm(crm: CRM, *, as_of=None, scope: Scope | None = None, window_days: int | None = None,
        monetary: str = "total", scheme: str = "rfm11", threshold: str = "mean",
        segments_config: Mapping | None = None) -> pd.DataFrame:
    """RFM values, scores and segments per customer as of ``as_of`` (one query).

    Definitions are in the module docstring: purchase days from effective contracts of live
    customers in scope, recency/frequency/monetary, quintile scores with ties sharing the score
    of their minimum rank, and the ``rfm11`` / ``cn8`` segment rules.

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : str or Timestamp, optional
        The report date (day included). Default: the data's last event date.
    scope : Scope, optional
        Whose customers, by ``customers.owner_id``; ``None`` = the whole company.
    window_days : int, optional
        Count only purchases of the last ``window_days`` days (``as_of`` included).
    monetary : {"total", "mean"}, default="total"
        Total amount, or mean amount per purchase day.
    scheme : str, default="rfm11"
        The scheme of the ``segment`` column: ``rfm11``, ``cn8`` or one of ``segments_config``.
    threshold : {"mean", "median"}, default="mean"
        What ``cn8`` compares R, F and M with.
    segments_config : mapping, optional
        ``{scheme: {segment_id: rule}}`` replacing or adding schemes (shape of
        :data:`RFM_SCHEMES`; a rule is score ranges ``{r: [lo, hi], f:, m:, fm:}`` or levels
        ``{r: high|low, f:, m:}``; ``{}`` matches everything).

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase, by ``customer_id``: ``customer_id``,
        ``last_purchase_at`` (datetime, the day), ``recency_days`` (int, days),
        ``frequency`` (int, purchase days), ``monetary`` (float, currency), ``revenue`` (float,
        total amount), ``r_score``, ``f_score``, ``m_score`` (int 1..5), ``rfm_score`` (str,
        e.g. ``"545"``), one ``segment_<scheme>`` column per scheme (segment ids) and
        ``segment`` (the chosen scheme's). ``attrs``: ``as_of``, ``scope``, ``window_days``,
        ``monetary``, ``scheme``, ``threshold``, ``thresholds`` (the cn8 cut values of
        recency_days, frequency, monetary), ``customers`` and ``schemes`` (segment ids of each
        scheme in rule order).

    Raises
    ------
    ParamsError
        Bad ``as_of``, ``window_days``, ``monetary``, ``scheme`` or ``threshold``; a segment
        scheme with a malformed rule or one that leaves a score combination unmatched.

    Examples
    --------
    >>> import crmlib
    >>> crm = crmlib.connect()
    >>> df = rfm(crm, as_of="2026-10-31")
    >>> list(df.columns[:4])
    ['customer_id', 'last_purchase_at', 'recency_days', 'frequency']
    >>> sorted(df["r_score"].unique().tolist())
    [1, 2, 3, 4, 5]
    >>> bool(df["segment"].isin(RFM11_SEGMENTS).all())
    True
    """
    as_of = report_day(crm, as_of)
    window_days = _window(window_days)
    check_choice(monetary, "monetary", ("total", "mean"))
    check_choice(threshold, "threshold", ("mean", "median"))
    schemes = _schemes(segments_config)
    check_choice(scheme, "scheme", tuple(schemes))
    compiled = {name: compile_scheme(name, rules) for name, rules in schemes.items()}

    df = _query(crm, as_of, scope, window_days, monetary)
    df["last_purchase_at"] = pd.to_datetime(df["last_purchase_at"]).astype("datetime64[ns]")
    df = df.astype({"recency_days": "int64", "frequency": "int64", "r_score": "int64",
                    "f_score": "int64", "m_score": "int64", "monetary": "float64",
                    "revenue": "float64"})
    df = df.reset_index(drop=True)
    code = df["r_score"] * 100 + df["f_score"] * 10 + df["m_score"]  # scores are 1..5
    df["rfm_score"] = code.astype(str)
    cut, levels = _levels(df, threshold)
    lv = {k: pd.Series(v, index=df.index, dtype=object) for k, v in levels.items()}
    level_code = lv["r"] + "|" + lv["f"] + "|" + lv["m"]
    out = df[RFM_COLUMNS].copy()
    for name, (kind, table) in compiled.items():
        # look up each distinct key once (125 score combinations, 8 level ones), then map
        if kind == "score":
            lookup = {100 * r + 10 * f + m: v for (r, f, m), v in table.items()}
            seg = code.map(lookup)
        else:
            seg = level_code.map({"|".join(k): v for k, v in table.items()})
        out[f"segment_{name}"] = seg.astype(object)
    out["segment"] = out[f"segment_{scheme}"]
    out.attrs.update(as_of=as_of, scope=str(scope or Scope()), window_days=window_days,
                     monetary=monetary, scheme=scheme, threshold=threshold, thresholds=cut,
                     customers=len(out), schemes={n: list(r) for n, r in schemes.items()})
    return out


