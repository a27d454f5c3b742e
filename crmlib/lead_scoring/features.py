"""The leads a scoring model learns from: features and label, the test split, the feature check.

**Features** (:data:`~crmlib.lead_scoring.settings.LEAD_FEATURES`) are what is known when a
lead is created; the **label** is converted by ``as_of``
(:func:`crmlib.metrics.leads.converted_by`). See :mod:`crmlib.lead_scoring`.
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import report_day
from crmlib.exceptions import CRMDataError, ParamsError
from crmlib.lead_scoring.settings import ID_COLUMNS, LEAD_FEATURES, LEAKY_COLUMNS, SCORER_CONFIG
from crmlib.metrics.leads import converted_by
from crmlib.scope import Scope

__all__ = ["lead_frame", "holdout_split", "check_features"]


def _age_days(crm: CRM, day: pd.Timestamp, quantile: float, scope: Scope) -> float:
    """Return the ``quantile`` of whole days to convert among converted leads with a date.

    0 when no converted lead has a date.
    """
    t = scope.filter(crm.table("leads"), "owner_id")
    t = t.filter(t.converted_at.notnull() & (t.converted_at < ibis.literal(
        (day + pd.Timedelta(days=1)).to_pydatetime())))
    d = t.converted_at.date().delta(t.created_at.date(), unit="day")
    v = t.aggregate(q=d.quantile(quantile)).execute()["q"].iloc[0]
    return 0.0 if v is None or pd.isna(v) else float(math.ceil(v))


def lead_frame(crm: CRM, *, as_of=None, scope: Scope | None = None,
               min_age_days: int | None = None) -> pd.DataFrame:
    """Return the leads a scoring model learns from, one row each, with their features and label.

    Leads created on or before ``as_of`` minus ``min_age_days`` (whole days), owned by the
    scope. ``min_age_days=None`` takes the 95th percentile (``SCORER_CONFIG
    ["min_age_quantile"]``) of days to convert among the converted leads with a date, rounded
    up (0 when no conversion has a date, as in X Education): younger leads have not had their
    chance to convert and would read as failures.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of : str or Timestamp, optional
        The report date (day included); default the data's last event date.
    scope : Scope, optional
        Whose leads, by ``owner_id``; None = the whole company.
    min_age_days : int, optional
        Leave out leads younger than this many days; default from the data (see above).

    Returns
    -------
    pandas.DataFrame
        ``lead_id``, ``created_at``, every column of :data:`LEAD_FEATURES` (the derived
        ``created_month`` 1-12, ``created_weekday`` 0 = Monday, ``created_hour`` 0-23) and
        ``converted`` (1 converted by ``as_of``, else 0). ``attrs``: ``as_of``,
        ``min_age_days``.

    Raises
    ------
    CRMDataError
        The data has no ``leads`` table.
    ParamsError
        ``as_of`` is not a date, or ``min_age_days`` is negative.
    """
    if not crm.has("leads"):
        raise CRMDataError(f"{crm.description}: has no `leads` table, so there is nothing to "
                           "score; import leads first (see docs/data-model.md).")
    scope = scope or Scope()
    day = report_day(crm, as_of)
    if min_age_days is None:
        min_age_days = _age_days(crm, day, SCORER_CONFIG["min_age_quantile"], scope)
    if min_age_days < 0:
        raise ParamsError(f"`min_age_days` {min_age_days!r} is negative; give 0 or more days.")
    cut = day + pd.Timedelta(days=1) - pd.Timedelta(days=int(min_age_days))
    t = scope.filter(crm.table("leads"), "owner_id")
    t = t.filter(t.created_at < ibis.literal(cut.to_pydatetime()))
    base = [c for c in LEAD_FEATURES if not c.startswith("created_")]
    df = t.select("lead_id", "created_at", *base,
                  converted=ibis.ifelse(converted_by(t, day), 1, 0)).execute()
    ts = pd.to_datetime(df["created_at"])
    df["created_month"], df["created_weekday"] = ts.dt.month, ts.dt.weekday
    df["created_hour"] = ts.dt.hour
    df = df[["lead_id", "created_at", *LEAD_FEATURES, "converted"]]
    df.attrs.update(as_of=day, min_age_days=int(min_age_days))
    return df


def holdout_split(leads: pd.DataFrame, *, test_size: float = 0.25,
                  random_state: int = 0) -> pd.Series:
    """Return which leads are held out for testing, fixed before anything is fitted.

    Stratified on ``converted`` and seeded; leads are ordered by ``lead_id`` first, so the same
    leads, ``test_size`` and ``random_state`` always give the same split.

    Parameters
    ----------
    leads : pandas.DataFrame
        At least ``lead_id`` and ``converted`` (:func:`lead_frame`).
    test_size : float, default=0.25
        The share of leads held out.
    random_state : int, default=0
        The split's seed.

    Returns
    -------
    pandas.Series
        Boolean on ``leads.index``, named ``test``: True for a test lead.

    Raises
    ------
    ParamsError
        ``test_size`` is not strictly between 0 and 1.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ParamsError(f"`test_size` {test_size!r} must be a share between 0 and 1.")
    order = leads.sort_values("lead_id", kind="stable").index
    y = leads.loc[order, "converted"].astype(int)
    _, test = train_test_split(np.asarray(order), test_size=test_size, stratify=y,
                               random_state=random_state)
    return pd.Series(leads.index.isin(test), index=leads.index, name="test")


def check_features(features) -> list[str]:
    """Return the feature list, checked: no column known only after conversion, no id, no repeat.

    Parameters
    ----------
    features : iterable of str
        Names of :data:`~crmlib.lead_scoring.settings.LEAD_FEATURES`.

    Returns
    -------
    list of str
        The features, in the order given.

    Raises
    ------
    ParamsError
        A leaky column, an id or an unknown name (with the list of known ones).
    """
    features = list(features)
    leaky = [f for f in features if f in LEAKY_COLUMNS]
    if leaky:
        raise ParamsError(f"feature(s) {leaky} are known only after a lead's outcome (leakage); "
                          f"remove them. Features may be: {', '.join(LEAD_FEATURES)}.")
    ids = [f for f in features if f in ID_COLUMNS]
    unknown = [f for f in features if f not in LEAD_FEATURES and f not in ids]
    if ids or unknown:
        raise ParamsError(f"feature(s) {ids + unknown} are ids or not lead features; use some "
                          f"of: {', '.join(LEAD_FEATURES)}.")
    if len(set(features)) != len(features) or not features:
        raise ParamsError(f"features {features} must name each column once, and at least one.")
    return features
