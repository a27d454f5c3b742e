"""Customer segments, churn risk and value classes: models on per-customer tables.

- **Segments.** k-means on scaled RFM (+ CLV) features (:class:`CustomerSegments`): each feature
  is ``log1p``-transformed (recency, frequency and money are all right-skewed) and standardised;
  k is chosen from ``k_range`` by the highest mean silhouette (the smaller k on a tie), and the
  whole selection table (k, inertia, silhouette) is kept so a report can show why. Segments are
  numbered 1..k by mean monetary value, highest first, so numbers are stable across runs.
- **Churn risk from P(alive).** ``churn_risk = 1 - p_alive`` (BG/NBD), in bands
  (:data:`CHURN_RISK_BANDS`).
- **Churn classifier.** The data's own history gives the labels: with ``cutoff = as_of -
  horizon_days``, a customer who bought on or before the cutoff *churned* when they made no
  purchase in (cutoff, as_of]. Features are known at the cutoff (:func:`churn_dataset`). The
  model (:class:`ChurnModel`) is scored on a held-out, stratified test split it never saw:
  ROC AUC, average precision, Brier score, a calibration table by decile, permutation importance,
  and the AUC of ``1 - p_alive`` on the same split as the baseline to beat.
- **Value classes.** high / medium / low by CLV rank among buyers, potential for customers who
  have not bought yet or are new (:data:`VALUE_CLASSES`), each with an action for the team.

The modules: :mod:`~crmlib.segment.clusters` (segments), :mod:`~crmlib.segment.churn` (churn
risk and the classifier) and :mod:`~crmlib.segment.classes` (value classes).
"""

from crmlib.segment.churn import (
    CHURN_FEATURES,
    CHURN_RISK_BANDS,
    ChurnModel,
    churn_dataset,
    churn_risk,
    evaluate_churn,
    scoring_features,
)
from crmlib.segment.classes import (
    VALUE_CLASS_ORDER,
    VALUE_CLASSES,
    value_class_summary,
    value_classes,
)
from crmlib.segment.clusters import SEGMENT_FEATURES, CustomerSegments

__all__ = ["SEGMENT_FEATURES", "CHURN_FEATURES", "CHURN_RISK_BANDS", "VALUE_CLASSES", "VALUE_CLASS_ORDER",
           "CustomerSegments", "churn_risk", "churn_dataset", "evaluate_churn",
           "scoring_features", "ChurnModel", "value_classes", "value_class_summary"]
