"""The lead-scoring model: :class:`LeadScorer` and :func:`fit_lead_scorer` for reports.

See :mod:`crmlib.lead_scoring` for why a logistic regression and how it is evaluated.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from crmlib.data.connect import CRM
from crmlib.engine import with_defaults
from crmlib.exceptions import CRMDataError, ParamsError
from crmlib.lead_scoring.features import check_features, holdout_split, lead_frame
from crmlib.lead_scoring.settings import LEAD_FEATURES, MISSING, SCORER_CONFIG
from crmlib.scope import Scope

__all__ = ["LeadScorer", "fit_lead_scorer"]

log = logging.getLogger(__name__)


def _text(s: pd.Series) -> pd.Series:
    v = s.astype(object)
    return v.where(v.notna(), MISSING).map(str)


def _prepare(X: pd.DataFrame, levels: dict[str, list[str]], nums: list[str]) -> pd.DataFrame:
    """Return categoricals as codes of their training-split levels, numbers as floats.

    A code of -1 is a level not seen in the training split (the encoder treats it as unknown);
    a NaN number is missing (imputed in the pipeline).
    """
    out = pd.DataFrame(index=X.index)
    for c, lv in levels.items():
        out[c] = pd.Categorical(_text(X[c]), categories=lv).codes.astype("int64")
    for c in nums:
        out[c] = pd.to_numeric(X[c], errors="coerce").astype("float64")
    return out


def _auc_interval(auc: float, n_pos: int, n_neg: int, z: float = 1.959964) -> tuple:
    """Hanley & McNeil (1982) normal interval of a ROC AUC."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc)
           + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    se = math.sqrt(max(var, 0.0))
    return max(0.0, auc - z * se), min(1.0, auc + z * se)


class LeadScorer:
    """Logistic-regression lead scoring with a held-out test split fixed before fitting.

    Parameters
    ----------
    features : list of str, optional
        Columns of :data:`LEAD_FEATURES`; default all of them (those that take a single value
        in the training leads, e.g. an attribute the source leaves empty, are dropped).
    random_state : int, default=0
        Seed of the test split and of the cross-validation folds.
    scorer_config : dict, optional
        Overrides of :data:`SCORER_CONFIG`: ``test_size`` (share held out), ``cv`` (folds),
        ``Cs`` (regularisation grid), ``min_frequency`` (rarer categories pooled as
        infrequent), ``n_repeats`` (permutation shuffles); ``min_age_quantile`` is read by
        :func:`lead_frame`, ``min_class`` by :func:`fit_lead_scorer`.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        Fitted on the training split with the chosen ``C``.
    features_ : list of str
        Features used (after dropping single-valued ones); ``dropped_`` the others.
    test_ : pandas.Series
        Boolean, on the fitted frame's index: True for the held-out test leads.
    metrics_ : dict
        ``test_auc``, ``test_auc_low``, ``test_auc_high`` (95 %), ``cv_auc`` (mean CV AUC of
        the chosen C, training split), ``C``, ``cv`` (folds), ``test_log_loss``,
        ``test_brier``, ``n_train``, ``n_test``, ``train_converted``, ``test_converted``,
        ``base_rate`` (training).
    calibration_ : pandas.DataFrame
        Per decile of predicted probability on the test split (1 = lowest): ``decile``,
        ``leads``, ``converted``, ``predicted`` (mean probability), ``realised``
        (converted / leads), ``p_min``, ``p_max``.
    importance_ : pandas.DataFrame
        ``feature``, ``importance`` (mean drop in test AUC when the column is shuffled),
        ``std``; most important first.

    Examples
    --------
    >>> import crmlib
    >>> leads = lead_frame(crmlib.connect())
    >>> scorer = LeadScorer(features=["source", "owner_id", "created_month"]).fit(leads)
    >>> len(scorer.calibration_)
    10
    """

    def __init__(self, features=None, *, random_state: int = 0, scorer_config=None):
        self.features = features
        self.random_state = random_state
        self.scorer_config = scorer_config

    def _config(self) -> dict:
        return with_defaults(SCORER_CONFIG, self.scorer_config, "scorer_config")

    def fit(self, leads: pd.DataFrame, y=None) -> LeadScorer:
        """Split, tune on the training leads by cross-validation, evaluate once on the test leads.

        Parameters
        ----------
        leads : pandas.DataFrame
            As :func:`~crmlib.lead_scoring.lead_frame` gives: ``lead_id``, the features and
            ``converted``.
        y : array-like, optional
            The labels (1 converted, 0 not); default ``leads["converted"]``.

        Returns
        -------
        LeadScorer
            ``self``, fitted: ``pipeline_``, ``features_``, ``dropped_``, ``test_``,
            ``metrics_``, ``calibration_`` and ``importance_``.

        Raises
        ------
        ParamsError
            A bad feature list, or the frame lacks one of its columns.
        CRMDataError
            Too few converted or other leads in the leads or either split, fewer than 10 test
            leads, or no feature that takes two values in the training leads.
        """
        from sklearn.inspection import permutation_importance
        from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
        from sklearn.model_selection import GridSearchCV, StratifiedKFold

        cfg = self._config()
        features = check_features(self.features if self.features is not None
                                  else LEAD_FEATURES)
        missing = [c for c in ["lead_id", *features] if c not in leads.columns]
        if missing:
            raise ParamsError(f"the leads frame lacks column(s) {missing}; build it with "
                              "crmlib.lead_scoring.lead_frame().")
        leads = leads.assign(converted=np.asarray(y if y is not None else leads["converted"],
                                                  dtype=int))
        self._check_classes(leads["converted"], cfg["cv"], "the leads")
        self.test_ = holdout_split(leads, test_size=cfg["test_size"],
                                   random_state=self.random_state)  # before anything else
        train, test = leads[~self.test_], leads[self.test_]
        self._check_classes(train["converted"], cfg["cv"], "the training split")
        self._check_classes(test["converted"], 1, "the test split")
        if len(test) < 10:
            raise CRMDataError(f"the test split holds {len(test)} leads; the calibration table "
                               "needs at least 10 (one per decile). Use more leads.")
        X = train[features]
        self.features_ = [f for f in features if X[f].nunique(dropna=False) > 1]
        self.dropped_ = [f for f in features if f not in self.features_]
        if self.dropped_:
            log.info("single-valued in the training leads, dropped: %s", self.dropped_)
        if not self.features_:
            raise CRMDataError(f"every feature ({', '.join(features)}) takes one value in the "
                               "training leads; the model needs leads that differ.")
        self._cats = [f for f in self.features_ if LEAD_FEATURES[f] == "categorical"]
        self._nums = [f for f in self.features_ if LEAD_FEATURES[f] == "numeric"]
        # category levels from the training split only (integer codes: 30x faster to encode)
        self._levels = {c: sorted(set(_text(X[c]))) for c in self._cats}
        folds = StratifiedKFold(cfg["cv"], shuffle=True, random_state=self.random_state)
        search = GridSearchCV(self._pipeline(cfg), {"clf__C": list(cfg["Cs"])}, cv=folds,
                              scoring="roc_auc", refit=True)
        search.fit(self._X(train), train["converted"])
        self.pipeline_ = search.best_estimator_
        Xt, yt = self._X(test), test["converted"].to_numpy()
        p = self.pipeline_.predict_proba(Xt)[:, 1]
        auc = float(roc_auc_score(yt, p))
        lo, hi = _auc_interval(auc, int(yt.sum()), int(len(yt) - yt.sum()))
        self.metrics_ = {
            "test_auc": auc, "test_auc_low": lo, "test_auc_high": hi,
            "cv_auc": float(search.best_score_), "C": float(search.best_params_["clf__C"]),
            "cv": int(cfg["cv"]),
            "test_log_loss": float(log_loss(yt, p, labels=[0, 1])),
            "test_brier": float(brier_score_loss(yt, p)), "n_train": len(train),
            "n_test": len(test), "train_converted": int(train["converted"].sum()),
            "test_converted": int(yt.sum()), "base_rate": float(train["converted"].mean())}
        self.calibration_ = self._calibration(p, yt)
        imp = permutation_importance(self.pipeline_, Xt, yt, scoring="roc_auc",
                                     n_repeats=cfg["n_repeats"], random_state=self.random_state)
        self.importance_ = (pd.DataFrame({"feature": Xt.columns, "importance":
                                          imp.importances_mean, "std": imp.importances_std})
                            .sort_values(["importance", "feature"], ascending=[False, True])
                            .reset_index(drop=True))
        return self

    def predict_proba(self, leads: pd.DataFrame) -> np.ndarray:
        """Return the probabilities ``[[P(not converted), P(converted)], ...]`` for each lead.

        Parameters
        ----------
        leads : pandas.DataFrame
            Leads with the fitted features (as :func:`~crmlib.lead_scoring.lead_frame`).

        Returns
        -------
        numpy.ndarray
            One row per lead, two columns.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            The scorer is not fitted.
        """
        if not hasattr(self, "pipeline_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this LeadScorer is not fitted yet; call fit(leads) first.")
        return self.pipeline_.predict_proba(self._X(leads))

    def _X(self, leads: pd.DataFrame) -> pd.DataFrame:
        return _prepare(leads, self._levels, self._nums)

    def _pipeline(self, cfg: dict):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        parts = []
        if self._cats:
            parts.append(("cat", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                               min_frequency=cfg["min_frequency"]), self._cats))
        if self._nums:
            parts.append(("num", Pipeline([
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler())]), self._nums))
        return Pipeline([("prep", ColumnTransformer(parts)),
                         # exact Newton steps: few iterations when leads >> one-hot columns
                         ("clf", LogisticRegression(solver="newton-cholesky", max_iter=200))])

    @staticmethod
    def _check_classes(y: pd.Series, need: int, where: str) -> None:
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if min(pos, neg) < need:
            raise CRMDataError(f"{where} hold {pos} converted and {neg} other leads; the model "
                               f"needs at least {need} of each. Use more leads (a longer "
                               "history or the whole company).")

    @staticmethod
    def _calibration(p: np.ndarray, y: np.ndarray) -> pd.DataFrame:
        ranks = pd.Series(p).rank(method="first")
        decile = pd.qcut(ranks, 10, labels=range(1, 11)).astype(int)
        df = pd.DataFrame({"decile": decile, "p": p, "y": y})
        out = df.groupby("decile").agg(leads=("y", "size"), converted=("y", "sum"),
                                       predicted=("p", "mean"), p_min=("p", "min"),
                                       p_max=("p", "max")).reset_index()
        out["realised"] = out["converted"] / out["leads"]
        return out[["decile", "leads", "converted", "predicted", "realised", "p_min",
                    "p_max"]].astype({"leads": "int64", "converted": "int64"})


def fit_lead_scorer(crm: CRM, *, as_of=None, scope: Scope | None = None,
                    min_age_days: int | None = None, features=None, random_state: int = 0,
                    scorer_config: dict | None = None) -> LeadScorer:
    """Build the :func:`~crmlib.lead_scoring.lead_frame` and fit a :class:`LeadScorer` on it.

    Never raises for data that cannot carry a model: without a ``leads`` table, or with fewer
    than ``min_class`` (:data:`SCORER_CONFIG`, 20) converted or other leads, it returns an
    unfitted scorer with ``available_`` False, ``reason_`` (``missing_table`` / ``too_few``)
    and ``counts_`` (converted, other, needed), whose ``metrics_`` is empty and whose
    ``calibration_`` and ``importance_`` are empty frames (the plots then say why).
    A fitted one has ``available_`` True and ``min_age_days_`` / ``as_of_`` of its frame.

    Parameters
    ----------
    crm : CRM
        The connection.
    as_of, scope, min_age_days
        As in :func:`~crmlib.lead_scoring.lead_frame`.
    features, random_state, scorer_config
        As in :class:`LeadScorer`.

    Returns
    -------
    LeadScorer
        Fitted, or unfitted with ``available_`` False and ``reason_`` (see above).

    Examples
    --------
    >>> import crmlib
    >>> scorer = fit_lead_scorer(crmlib.connect(), features=["source", "created_month"])
    >>> scorer.available_, 0.5 < scorer.metrics_["test_auc"] < 1
    (True, True)
    """
    scorer = LeadScorer(features, random_state=random_state, scorer_config=scorer_config)
    need = int(with_defaults(SCORER_CONFIG, scorer_config, "scorer_config")["min_class"])
    scorer.available_, scorer.reason_, scorer.counts_ = False, None, (0, 0, need)
    scorer.metrics_, scorer.dropped_ = {}, []
    scorer.calibration_, scorer.importance_ = pd.DataFrame(), pd.DataFrame()
    if not crm.has("leads"):
        scorer.reason_ = "missing_table"
        return scorer
    leads = lead_frame(crm, as_of=as_of, scope=scope, min_age_days=min_age_days)
    scorer.min_age_days_, scorer.as_of_ = leads.attrs["min_age_days"], leads.attrs["as_of"]
    pos = int(leads["converted"].sum())
    scorer.counts_ = (pos, len(leads) - pos, need)
    if min(pos, len(leads) - pos) < need:
        scorer.reason_ = "too_few"
        return scorer
    scorer.fit(leads)
    scorer.available_ = True
    return scorer
