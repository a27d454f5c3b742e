"""What a lead-scoring model may learn from, and the settings a team may change.

See :mod:`crmlib.lead_scoring` for the model and its evaluation.
"""

from __future__ import annotations

__all__ = ["LEAD_FEATURES", "LEAKY_COLUMNS", "ID_COLUMNS", "MISSING", "SCORER_CONFIG"]

# feature -> kind (categorical / numeric); the derived created_* come from created_at
LEAD_FEATURES: dict[str, str] = {
    "source": "categorical", "owner_id": "categorical", "origin": "categorical",
    "industry": "categorical", "city": "categorical", "occupation": "categorical",
    "last_activity": "categorical", "do_not_email": "categorical",
    "do_not_call": "categorical", "created_month": "categorical",
    "created_weekday": "categorical", "created_hour": "categorical",
    "visits": "numeric", "time_on_site": "numeric", "pages_per_visit": "numeric",
}
# known only once the outcome is known, or identifiers: never features
LEAKY_COLUMNS = ("status", "converted_at", "converted_customer_id", "disqualified_reason")
# identifiers and the label: never features
ID_COLUMNS = ("lead_id", "name", "created_at", "converted")

# the model's settings a team may change
SCORER_CONFIG: dict = {"test_size": 0.25, "cv": 5, "Cs": (0.01, 0.1, 1.0, 10.0),
                       "min_frequency": 10, "n_repeats": 5, "min_age_quantile": 0.95,
                       "min_class": 20}
# the level a missing categorical value is encoded as
MISSING = "(missing)"
