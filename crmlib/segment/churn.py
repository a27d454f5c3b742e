"""Churn: risk from the BG/NBD probability of being alive, and a classifier judged on held-out data.

- **Churn risk from P(alive).** ``churn_risk = 1 - p_alive`` (BG/NBD), in bands
  (:data:`CHURN_RISK_BANDS`).
- **Churn classifier.** The data's own history gives the labels: with ``cutoff = as_of -
  horizon_days``, a customer who bought on or before the cutoff *churned* when they made no
  purchase in (cutoff, as_of]. Features are known at the cutoff (:func:`churn_dataset`). The
  model (:class:`ChurnModel`) is scored on a held-out, stratified test split it never saw:
  ROC AUC, average precision, Brier score, a calibration table by decile, permutation importance,
  and the AUC of ``1 - p_alive`` on the same split as the baseline to beat.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crmlib.engine import report_day
from crmlib.exceptions import ParamsError
from crmlib.segment.clusters import feature_matrix

__all__ = ["CHURN_FEATURES", "CHURN_RISK_BANDS", "churn_risk", "churn_dataset", "evaluate_churn",
           "scoring_features", "ChurnModel"]

# Known at the scoring date; units: days (recency, T, days_since_last), purchases, currency.
CHURN_FEATURES = ("frequency", "recency", "T", "days_since_last", "monetary_value")
# churn_risk = 1 - P(alive): a band is the first whose upper bound the risk is below.
CHURN_RISK_BANDS = {"low": 0.3, "medium": 0.7, "high": 1.0 + 1e-9}


def churn_risk(p_alive, *, bands: dict | None = None) -> pd.DataFrame:
    """Rate each customer's churn risk from the BG/NBD probability of being alive, in bands.

    Parameters
    ----------
    p_alive : pandas.Series or pandas.DataFrame
        A Series indexed by customer id, or a frame with ``customer_id`` and ``p_alive``.
    bands : dict, optional
        Band name -> upper bound (exclusive), increasing, the last above 1; default
        :data:`CHURN_RISK_BANDS`.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``p_alive``, ``churn_risk`` = 1 - p_alive (0..1) and ``risk_band``:
        the first band whose bound the risk is below.

    Raises
    ------
    ParamsError
        Bounds that do not increase or whose last is not above 1.
    """
    bands = dict(bands or CHURN_RISK_BANDS)
    if isinstance(p_alive, pd.DataFrame):
        s = p_alive.set_index("customer_id")["p_alive"]
    else:
        s = pd.Series(p_alive)
    bounds = list(bands.values())
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False)) or bounds[-1] <= 1:
        raise ParamsError(f"churn risk bands {bands} must have increasing upper bounds, the "
                          "last above 1.")
    risk = 1.0 - s.astype("float64")
    band = pd.cut(risk, [-np.inf, *bounds], right=False, labels=list(bands))
    return pd.DataFrame({"customer_id": s.index, "p_alive": s.to_numpy(),
                         "churn_risk": risk.to_numpy(), "risk_band": band.astype(str).to_numpy()})


def churn_dataset(crm, *, as_of, horizon_days: int = 180, scope=None) -> pd.DataFrame:
    """Return churn labels from history, with the features known at the cut-off.

    ``cutoff = as_of - horizon_days``. One row per live customer whose first effective purchase
    is on or before the cut-off, from :func:`crmlib.clv.crm_purchase_summary` in days.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of : str or Timestamp
        The report date (day included).
    horizon_days : int, default=180
        Days after the cut-off in which a customer who buys is retained.
    scope : Scope, optional
        Whose customers; None = the whole company.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (repeat purchase days), ``recency`` (first to last purchase, days), ``T``
        (first purchase to cut-off, days), ``days_since_last`` = T - recency,
        ``monetary_value`` (mean repeat purchase), the label ``churned`` (True when no
        purchase in (cutoff, as_of]) and, when anyone bought twice, ``p_alive`` (BG/NBD fit
        on the data before the cut-off). ``attrs`` holds ``cutoff``, ``as_of`` and
        ``horizon_days``.

    Raises
    ------
    ParamsError
        ``as_of`` is not a date.
    """
    from crmlib.clv import crm_purchase_summary

    as_of = report_day(crm, as_of)
    cutoff = as_of - pd.Timedelta(days=int(horizon_days))
    s = crm_purchase_summary(crm, as_of=as_of, calibration_end=cutoff, scope=scope)
    s["days_since_last"] = s["T"] - s["recency"]
    s["churned"] = s["frequency_holdout"] == 0
    if (s["frequency"] > 0).any():  # the BG/NBD baseline, fit on pre-cutoff data only
        from crmlib.clv import fit_bgnbd

        bg = fit_bgnbd(s["frequency"], s["recency"], s["T"])
        s["p_alive"] = bg.p_alive(s["frequency"], s["recency"], s["T"])
    s.attrs.update(cutoff=cutoff, as_of=as_of, horizon_days=int(horizon_days))
    return s


def evaluate_churn(crm, *, as_of, horizon_days: int = 180, scope=None):
    """Return a :class:`ChurnModel` fitted and scored on :func:`churn_dataset`.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of, horizon_days, scope
        As in :func:`churn_dataset`.

    Returns
    -------
    ChurnModel or None
        None, with a warning, when the history holds too few churned or retained customers
        to judge a model.
    """
    data = churn_dataset(crm, as_of=as_of, horizon_days=horizon_days, scope=scope)
    try:
        return ChurnModel().fit(data)
    except ParamsError as e:
        warnings.warn(f"no churn model: {e}", stacklevel=2)
        return None


def scoring_features(crm, *, as_of, scope=None) -> pd.DataFrame:
    """Return the :data:`CHURN_FEATURES` of every buyer at ``as_of``.

    For :meth:`ChurnModel.predict_proba`.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of : str or Timestamp
        The scoring date (day included).
    scope : Scope, optional
        Whose customers; None = the whole company.

    Returns
    -------
    pandas.DataFrame
        The purchase summary in days (:func:`crmlib.clv.crm_purchase_summary`) with
        ``days_since_last`` = T - recency.
    """
    from crmlib.clv import crm_purchase_summary

    s = crm_purchase_summary(crm, as_of=as_of, scope=scope)
    s["days_since_last"] = s["T"] - s["recency"]
    return s


class ChurnModel:
    """A churn classifier with honest, held-out evaluation.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Default: ``HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
        random_state=0)``.
    features : sequence of str, default=CHURN_FEATURES
        The feature columns.
    test_size : float, default=0.25
        Share of customers held out (stratified by label); nothing is tuned on them.
    random_state : int, default=0
        Seed of the split, the default estimator and the permutations.

    Attributes
    ----------
    metrics_ : dict
        ``roc_auc``, ``average_precision``, ``brier``, ``base_rate`` (churned share of the test
        split), ``n_train``, ``n_test``, and ``p_alive_auc`` (AUC of 1 - p_alive on the same
        test split when the data has ``p_alive``; the baseline).
    calibration_ : DataFrame
        Test customers by decile of predicted probability: ``decile`` (1 = lowest),
        ``customers``, ``predicted`` (mean), ``realised`` (churned share).
    importance_ : DataFrame
        ``feature``, ``importance`` (mean drop of test ROC AUC when the feature is permuted),
        most important first.
    """

    def __init__(self, estimator=None, *, features=CHURN_FEATURES, test_size: float = 0.25,
                 random_state: int = 0):
        self.estimator, self.features = estimator, tuple(features)
        self.test_size, self.random_state = test_size, random_state

    def fit(self, data: pd.DataFrame, label: str = "churned") -> ChurnModel:
        """Fit on a stratified training split and score once on the held-out test split.

        Parameters
        ----------
        data : pandas.DataFrame
            As :func:`churn_dataset` gives: the features, the label and optionally
            ``p_alive`` (the baseline).
        label : str, default="churned"
            The label column (bool).

        Returns
        -------
        ChurnModel
            ``self``, with ``model_``, ``metrics_``, ``calibration_`` and ``importance_``.

        Raises
        ------
        ParamsError
            Fewer than 5 churned or 5 retained customers, or a feature column missing or with
            missing values.
        """
        from sklearn.base import clone
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.inspection import permutation_importance
        from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
        from sklearn.model_selection import train_test_split

        y = data[label].astype(bool).to_numpy()
        n_pos = int(y.sum())
        if n_pos < 5 or len(y) - n_pos < 5:
            raise ParamsError(f"churn labels have {n_pos} churned and {len(y) - n_pos} retained "
                              "customers; a classifier needs at least 5 of each (use a longer "
                              "history or another horizon).")
        x = feature_matrix(data, self.features, log=False)
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=self.test_size, stratify=y,
                                  random_state=self.random_state)
        est = self.estimator if self.estimator is not None else HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, random_state=self.random_state)
        self.model_ = clone(est).fit(x[tr], y[tr])
        p = self.model_.predict_proba(x[te])[:, 1]
        m = {"roc_auc": roc_auc_score(y[te], p), "average_precision":
             average_precision_score(y[te], p), "brier": brier_score_loss(y[te], p),
             "base_rate": float(y[te].mean()), "n_train": len(tr), "n_test": len(te),
             "p_alive_auc": np.nan}
        if "p_alive" in data.columns:
            m["p_alive_auc"] = roc_auc_score(y[te], 1.0 - data["p_alive"].to_numpy()[te])
        self.metrics_ = {k: float(v) if k not in ("n_train", "n_test") else int(v)
                         for k, v in m.items()}
        dec = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False) + 1
        self.calibration_ = (pd.DataFrame({"decile": dec, "p": p, "y": y[te]})
                             .groupby("decile").agg(customers=("p", "size"),
                                                    predicted=("p", "mean"),
                                                    realised=("y", "mean")).reset_index())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp = permutation_importance(self.model_, x[te], y[te], scoring="roc_auc",
                                         n_repeats=5, random_state=self.random_state)
        self.importance_ = (pd.DataFrame({"feature": self.features,
                                          "importance": imp.importances_mean})
                            .sort_values("importance", ascending=False, kind="stable")
                            .reset_index(drop=True))
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the probability of churn (no purchase within the horizon) of each row.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per customer with the feature columns (:func:`scoring_features`).

        Returns
        -------
        numpy.ndarray
            Probabilities (0..1).
        """
        return self.model_.predict_proba(feature_matrix(frame, self.features, log=False))[:, 1]

    def metrics_table(self) -> pd.DataFrame:
        """Return :attr:`metrics_` as a frame.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric`` and ``value``, one row per metric.
        """
        return pd.DataFrame({"metric": list(self.metrics_), "value": list(self.metrics_.values())})
