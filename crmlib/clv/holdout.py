"""The calibration / holdout check of the BG/NBD purchase model (Fader et al.'s check).

Definition (docs/metrics.md):

- **Holdout check**: fit on the calibration columns, predict the purchases of each customer in
  their holdout duration (``expected_purchases(duration_holdout, x, t_x, T)``) and compare with
  ``frequency_holdout``, per calibration frequency.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crmlib.clv.bgnbd import BetaGeoModel, fit_bgnbd
from crmlib.clv.summary import crm_purchase_summary, require_columns
from crmlib.engine import report_day
from crmlib.exceptions import ParamsError

__all__ = ["holdout_check", "crm_holdout_check"]


def holdout_check(summary_with_holdout: pd.DataFrame, *, model: BetaGeoModel | None = None,
                  max_frequency: int = 7) -> pd.DataFrame:
    """Return predicted vs actual holdout purchases per calibration frequency.

    Parameters
    ----------
    summary_with_holdout : pandas.DataFrame
        A summary built with ``calibration_end``: ``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``.
    model : BetaGeoModel, optional
        A model fitted on the calibration columns; by default one is fitted here.
    max_frequency : int, default=7
        Calibration frequencies from ``max_frequency`` up form one group ``"7+"``.

    Returns
    -------
    pandas.DataFrame
        One row per group ``"0"``, ``"1"``, ... ``"7+"`` (groups without customers left out)
        then ``"all"``, with columns ``group``, ``customers`` (int), ``actual`` (mean holdout
        purchases), ``predicted`` (mean predicted), ``error`` (predicted - actual). ``attrs``:
        ``mae`` (mean absolute error of the per-customer predictions, purchases), ``rmse``,
        ``total_actual``, ``total_predicted``, ``ratio`` (total predicted / total actual; NaN
        when there are no holdout purchases) and ``params`` (the BG/NBD parameters).

    Raises
    ------
    CRMDataError
        A summary column is missing.
    ParamsError
        ``max_frequency`` is not a whole number >= 1.

    Examples
    --------
    >>> import crmlib
    >>> from crmlib import clv
    >>> s = clv.crm_purchase_summary(crmlib.connect(), as_of="2026-10-31",
    ...                              calibration_end="2026-04-30", unit_days=7)
    >>> h = clv.holdout_check(s)
    >>> h["group"].iloc[-1]
    'all'
    """
    require_columns(summary_with_holdout,
          ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"],
          "build it with purchase_summary(..., calibration_end=...).")
    if not (isinstance(max_frequency, int) and not isinstance(max_frequency, bool)
            and max_frequency >= 1):
        raise ParamsError(f"`max_frequency` {max_frequency!r} must be a whole number >= 1.")
    s = summary_with_holdout
    x, t_x, T = (s[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    model = fit_bgnbd(x, t_x, T) if model is None else model
    predicted = model.expected_purchases(s["duration_holdout"].to_numpy("float64"), x, t_x, T)
    actual = s["frequency_holdout"].to_numpy("float64")
    group = np.where(x >= max_frequency, f"{max_frequency}+",
                     np.minimum(x, max_frequency).astype("int64").astype(str))
    df = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    g = df.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                predicted=("predicted", "mean"))
    g = g.reindex([o for o in order if o in g.index]).reset_index()
    total = pd.DataFrame([{"group": "all", "customers": len(df), "actual": actual.mean(),
                           "predicted": predicted.mean()}])
    out = pd.concat([g, total], ignore_index=True)
    out["customers"] = out["customers"].astype("int64")
    out["error"] = out["predicted"] - out["actual"]
    err = predicted - actual
    out.attrs.update(mae=float(np.abs(err).mean()), rmse=float(np.sqrt((err ** 2).mean())),
                     total_actual=float(actual.sum()), total_predicted=float(predicted.sum()),
                     ratio=float(predicted.sum() / actual.sum()) if actual.sum() else math.nan,
                     params=dict(model.params_))
    return out


def crm_holdout_check(crm, *, as_of, holdout_days: int = 180, max_frequency: int = 7
                      ) -> pd.DataFrame:
    """Return :func:`holdout_check` on the company's purchases, in weeks.

    The model is fit on the purchases up to ``as_of - holdout_days`` and predicts the purchases
    of the last ``holdout_days`` days, per calibration frequency group.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of : str or Timestamp
        The observation end (day included); None: the data's last event date.
    holdout_days : int, default=180
        Days at the end held out of the fit.
    max_frequency : int, default=7
        As in :func:`holdout_check`.

    Returns
    -------
    pandas.DataFrame
        As :func:`holdout_check`; ``attrs`` adds ``holdout_days``.

    Raises
    ------
    ParamsError
        ``as_of`` is not a date, or the holdout leaves no calibration period.
    """
    end = report_day(crm, as_of)
    s = crm_purchase_summary(crm, as_of=end, unit_days=7,
                             calibration_end=end - pd.Timedelta(days=int(holdout_days)))
    out = holdout_check(s, max_frequency=max_frequency)
    out.attrs.update(holdout_days=int(holdout_days))
    return out
