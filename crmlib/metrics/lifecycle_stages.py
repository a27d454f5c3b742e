"""Customer lifecycle stages (客户生命周期): potential, new, active, dormant, churned.

Definitions (docs/metrics.md, "Customer value"; thresholds in
:data:`LIFECYCLE_CONFIG`, overridable with ``lifecycle_config``):

- **Which customers.** Live customers (not deleted) created on or before ``as_of`` (day
  included) whose ``owner_id`` is in the scope. Purchases are the purchase days of
  :mod:`crmlib.metrics.rfm_scores`: calendar days with an effective contract signed on or before
  ``as_of``; same-day contracts are one purchase.
- **Inputs.** ``purchases`` = purchase days; ``first_purchase_at`` / ``last_purchase_at`` =
  the first and last of them; ``days_since_first`` / ``days_since_last`` = whole days from
  them to ``as_of``. ``usual_gap_days`` = the customer's *mean* gap between consecutive
  purchase days = (last - first) / (purchases - 1) days (``gap_source`` ``own``). A customer
  with a single purchase has no rhythm of their own and gets the population median of the
  usual gaps of the customers (same scope and date) with two or more purchases (``gap_source``
  ``population``); when no customer has two, ``fallback_gap_days`` (with a warning).
- **Stages**, first match wins:

  1. ``potential``: no purchase by ``as_of``;
  2. ``new``: first purchase within the last ``new_days`` days (``days_since_first <
     new_days``: 0..89 for 90), whatever the rhythm (too early to judge);
  3. ``churned``: ``days_since_last > churned_factor x usual_gap_days``, or, when ``p_alive``
     is given and holds the customer, P(alive) < ``p_alive_threshold``;
  4. ``dormant``: ``days_since_last > dormant_factor x usual_gap_days``;
  5. ``active``: otherwise.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import check_choice, crosstab, end_of, live, report_day, two_dates
from crmlib.exceptions import ParamsError
from crmlib.metrics.rfm_scores import purchase_days
from crmlib.scope import Scope

__all__ = ["LIFECYCLE_CONFIG", "LIFECYCLE_STAGES", "LIFECYCLE_COLUMNS", "lifecycle",
           "lifecycle_summary", "lifecycle_transitions"]

LIFECYCLE_CONFIG: dict[str, float] = {
    "new_days": 90,            # first purchase less than this many days before as_of -> new
    "dormant_factor": 2.0,     # days since last > factor x usual gap -> dormant
    "churned_factor": 4.0,     # days since last > factor x usual gap -> churned
    "p_alive_threshold": 0.5,  # P(alive) below this -> churned (when p_alive is given)
    "fallback_gap_days": 90,   # usual gap when no customer has two purchases
}
LIFECYCLE_STAGES = ("potential", "new", "active", "dormant", "churned")
LIFECYCLE_COLUMNS = ["customer_id", "stage", "created_at", "first_purchase_at",
                     "last_purchase_at", "purchases", "usual_gap_days", "gap_source",
                     "days_since_first", "days_since_last", "p_alive"]
NOT_CREATED = "not_created"


def _config(lifecycle_config) -> dict[str, float]:
    cfg = dict(LIFECYCLE_CONFIG)
    if lifecycle_config is None:
        return cfg
    if not isinstance(lifecycle_config, Mapping):
        raise ParamsError(f"`lifecycle_config` is a {type(lifecycle_config).__name__}; pass a "
                          "mapping such as {'new_days': 60}.")
    for key, value in lifecycle_config.items():
        if key not in cfg:
            hint = difflib.get_close_matches(str(key), cfg, n=1)
            raise ParamsError(f"lifecycle_config: unknown key `{key}`"
                              + (f"; did you mean `{hint[0]}`?" if hint else "")
                              + f" Known: {', '.join(cfg)}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ParamsError(f"lifecycle_config: `{key}` {value!r} must be a positive number.")
        cfg[key] = value
    if cfg["p_alive_threshold"] > 1:
        raise ParamsError(f"lifecycle_config: `p_alive_threshold` {cfg['p_alive_threshold']} "
                          "is above 1; give a probability in (0, 1].")
    if cfg["dormant_factor"] >= cfg["churned_factor"]:
        raise ParamsError(f"lifecycle_config: `dormant_factor` {cfg['dormant_factor']} is not "
                          f"below `churned_factor` {cfg['churned_factor']}; dormant must come "
                          "before churned.")
    return cfg


def _p_alive(p_alive) -> pd.Series | None:
    if p_alive is None:
        return None
    if isinstance(p_alive, pd.DataFrame):
        if "p_alive" not in p_alive.columns:
            raise ParamsError(f"`p_alive` frame has no `p_alive` column (columns: "
                              f"{list(p_alive.columns)}); pass a Series or that column.")
        frame = p_alive.set_index("customer_id") if "customer_id" in p_alive.columns else p_alive
        p_alive = frame["p_alive"]
    if not isinstance(p_alive, pd.Series):
        raise ParamsError(f"`p_alive` is a {type(p_alive).__name__}; pass a pandas Series "
                          "indexed by customer_id (e.g. from the CLV model).")
    s = pd.to_numeric(p_alive, errors="coerce").astype("float64")
    bad = s[~s.between(0, 1)]
    if len(bad):
        raise ParamsError(f"`p_alive` holds {len(bad)} values outside 0..1 or missing (e.g. "
                          f"{bad.index[0]}: {p_alive[bad.index[0]]!r}); pass probabilities.")
    if s.index.duplicated().any():
        raise ParamsError(f"`p_alive` lists customer {s.index[s.index.duplicated()][0]!r} "
                          "twice; pass one value per customer.")
    s.index = s.index.astype(str)
    return s


def _query(crm: CRM, as_of: pd.Timestamp, scope: Scope | None) -> pd.DataFrame:
    c = (scope or Scope()).filter(live(crm.table("customers")), "owner_id")
    c = c.filter(c.created_at < ibis.literal(end_of(as_of).to_pydatetime()))
    d = purchase_days(crm, as_of=as_of, scope=scope)
    a = d.group_by("customer_id").aggregate(_first=d.day.min(), _last=d.day.max(),
                                            _n=d.count())
    j = c.select("customer_id", "created_at").left_join(a, "customer_id")
    today = ibis.date(as_of.date())
    j = j.select("customer_id", "created_at", first_purchase_at=j._first,
                 last_purchase_at=j._last, purchases=j._n.fill_null(0),
                 days_since_first=today.delta(j._first, unit="day"),
                 days_since_last=today.delta(j._last, unit="day"),
                 _span=j._last.delta(j._first, unit="day"))
    return j.execute()


def _stages(df: pd.DataFrame, cfg: dict, p: pd.Series | None) -> pd.Series:
    since_first = df["days_since_first"].astype("float64")
    since_last = df["days_since_last"].astype("float64")
    gap = df["usual_gap_days"].astype("float64")
    churned = since_last > cfg["churned_factor"] * gap
    if p is not None:
        churned |= df["p_alive"] < cfg["p_alive_threshold"]
    rules = [(df["purchases"] == 0, "potential"), (since_first < cfg["new_days"], "new"),
             (churned, "churned"), (since_last > cfg["dormant_factor"] * gap, "dormant")]
    return pd.Series(np.select([r for r, _ in rules], [s for _, s in rules], "active"),
                     index=df.index, dtype=object)


def lifecycle(crm: CRM, *, as_of=None, scope: Scope | None = None, p_alive=None,
              lifecycle_config: Mapping | None = None) -> pd.DataFrame:
    """Assign each customer a lifecycle stage as of ``as_of`` (one query, rules in pandas).

    Definitions are in the module docstring (stages in precedence order, usual gap, the
    population median for single-purchase customers).

    Parameters
    ----------
    crm : CRM
        The data.
    as_of : str or Timestamp, optional
        The report date (day included). Default: the data's last event date.
    scope : Scope, optional
        Whose customers, by ``customers.owner_id``; ``None`` = the whole company.
    p_alive : pandas.Series or DataFrame, optional
        P(alive) per customer as of ``as_of`` (e.g. from the BG/NBD model): a Series indexed
        by ``customer_id``, or a frame with a ``p_alive`` column (and a ``customer_id`` column
        or index). Customers it does not hold are judged by their rhythm only.
    lifecycle_config : mapping, optional
        Overrides of :data:`LIFECYCLE_CONFIG` keys.

    Returns
    -------
    pandas.DataFrame
        One row per counted customer, by ``customer_id``: ``customer_id``, ``stage`` (one of
        :data:`LIFECYCLE_STAGES`), ``created_at``, ``first_purchase_at``, ``last_purchase_at``
        (days; NaT without a purchase), ``purchases`` (int, purchase days), ``usual_gap_days``
        (float, days; NaN without a purchase), ``gap_source`` (``own``, ``population`` or
        None), ``days_since_first``, ``days_since_last`` (Int64, days; <NA> without a
        purchase), ``p_alive`` (float; NaN when not given). ``attrs``: ``as_of``, ``scope``,
        ``config``, ``population_gap_days``, ``customers``.

    Raises
    ------
    ParamsError
        Bad ``as_of``, ``lifecycle_config`` or ``p_alive`` (values outside 0..1, duplicates).

    Examples
    --------
    >>> import crmlib
    >>> df = lifecycle(crmlib.connect(), as_of="2026-10-31")
    >>> sorted(df["stage"].unique().tolist())
    ['active', 'churned', 'dormant', 'new', 'potential']
    """
    as_of = report_day(crm, as_of)
    cfg = _config(lifecycle_config)
    p = _p_alive(p_alive)
    df = _query(crm, as_of, scope).sort_values("customer_id", kind="stable")
    df = df.reset_index(drop=True)
    for col in ("created_at", "first_purchase_at", "last_purchase_at"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    df["purchases"] = df["purchases"].astype("int64")
    own = df["_span"].astype("float64") / (df["purchases"] - 1).where(df["purchases"] > 1)
    population = float(own.median()) if own.notna().any() else float("nan")
    if np.isnan(population) and (df["purchases"] == 1).any():
        warnings.warn(f"no customer has two purchase days by {as_of:%Y-%m-%d}; single-purchase "
                      f"customers use fallback_gap_days = {cfg['fallback_gap_days']} as their "
                      "usual gap.", stacklevel=2)
        population = float(cfg["fallback_gap_days"])
    single = df["purchases"] == 1
    df["usual_gap_days"] = own.where(~single, population)
    df["gap_source"] = np.where(df["purchases"] > 1, "own",
                                np.where(single, "population", None))
    df["gap_source"] = df["gap_source"].astype(object).where(df["purchases"] > 0, None)
    df["p_alive"] = (df["customer_id"].astype(str).map(p) if p is not None
                     else np.nan)
    df["p_alive"] = df["p_alive"].astype("float64")
    for col in ("days_since_first", "days_since_last"):
        df[col] = df[col].astype("Int64")
    df["stage"] = _stages(df, cfg, p)
    out = df[LIFECYCLE_COLUMNS].copy()
    out.attrs.update(as_of=as_of, scope=str(scope or Scope()), config=cfg,
                     population_gap_days=population, customers=len(out))
    return out


def lifecycle_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Return customers per stage of a :func:`lifecycle` frame, in :data:`LIFECYCLE_STAGES` order.

    Returns
    -------
    pandas.DataFrame
        One row per stage (all five, 0 when empty): ``stage``, ``customers`` (int), ``share``
        (customers / all customers of the frame; NaN when the frame is empty).

    Parameters
    ----------
    frame : pandas.DataFrame
        A metric's frame.

    Examples
    --------
    >>> import crmlib
    >>> lifecycle_summary(lifecycle(crmlib.connect(), as_of="2026-10-31"))["stage"].tolist()
    ['potential', 'new', 'active', 'dormant', 'churned']
    """
    counts = frame["stage"].value_counts().reindex(LIFECYCLE_STAGES, fill_value=0)
    out = counts.rename_axis("stage").rename("customers").astype("int64").reset_index()
    total = int(out["customers"].sum())
    out["share"] = out["customers"] / total if total else float("nan")
    return out


def lifecycle_transitions(crm: CRM, *, from_as_of, to_as_of, scope: Scope | None = None,
                          p_alive_from=None, p_alive_to=None,
                          lifecycle_config: Mapping | None = None,
                          form: str = "wide") -> pd.DataFrame:
    """How customers moved between stages from ``from_as_of`` to ``to_as_of`` (two queries).

    Each date's stages are :func:`lifecycle` with the same scope and config (``p_alive_from``
    / ``p_alive_to`` are each date's P(alive), optional). Rows are the stage at
    ``from_as_of`` plus ``not_created`` (customers created after ``from_as_of``); columns the
    stage at ``to_as_of``; stages in :data:`LIFECYCLE_STAGES` order, every cell present.

    Returns
    -------
    pandas.DataFrame
        ``wide``: customer counts (int), index ``from_stage``, columns ``to_stage``.
        ``long``: ``from_stage``, ``to_stage``, ``customers``, ``share_of_from`` (customers /
        the row's total; NaN for an empty row).

    Parameters
    ----------
    crm : CRM
        The data.
    from_as_of : date-like or None
        The earlier day.
    to_as_of : date-like or None
        The later day.
    scope : Scope, optional
        Whose records (by owner); default the whole company.
    p_alive_from : pandas.Series, optional
        P(alive) per customer at ``from_as_of`` (optional).
    p_alive_to : pandas.Series, optional
        P(alive) per customer at ``to_as_of`` (optional).
    lifecycle_config : Mapping, optional
        Overrides of the stage rules, as in :func:`lifecycle`.
    form : {"wide", "long"}, default="wide"
        ``wide`` or ``long`` (see Returns).

    Examples
    --------
    >>> import crmlib
    >>> m = lifecycle_transitions(crmlib.connect(), from_as_of="2026-04-30",
    ...                           to_as_of="2026-10-31")
    >>> m.index.tolist()[-1], int(m.loc["potential", "new"]) >= 0
    ('not_created', True)
    """
    check_choice(form, "form", ("wide", "long"))
    a, b = two_dates(crm, from_as_of, to_as_of)
    before = lifecycle(crm, as_of=a, scope=scope, p_alive=p_alive_from,
                       lifecycle_config=lifecycle_config)
    after = lifecycle(crm, as_of=b, scope=scope, p_alive=p_alive_to,
                      lifecycle_config=lifecycle_config)
    # every customer counted at from_as_of is counted at to_as_of (created earlier, still live)
    return crosstab(before, after, "stage", rows=[*LIFECYCLE_STAGES, NOT_CREATED],
                    columns=list(LIFECYCLE_STAGES), form=form,
                    attrs=dict(from_as_of=a, to_as_of=b, scope=str(scope or Scope())))
