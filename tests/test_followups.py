"""Forgotten customers and overdue contacts on a tiny CRM, counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.data.connect import from_frames
from crmlib.metrics.followups import forgotten_counts, forgotten_customers
from crmlib.scope import resolve_scope

AS_OF = "2024-03-31"


@pytest.fixture(scope="module")
def crm():
    return from_frames({
        "employees": pd.DataFrame({"employee_id": ["e1", "e2"], "name": ["A", "B"],
                                   "team": ["east", "west"]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"],
            "name": list("abcdefghi"),
            "created_at": ["2024-01-01", "2024-01-01", "2023-06-01", "2024-01-01", "2024-02-01",
                           "2024-02-01", "2024-03-01", "2024-04-02", "2024-01-01"],
            "owner_id": ["e1", "e1", "e2", None, "e2", "e2", "e1", "e2", "e1"],
            "status": [None, None, None, None, "deleted", "active", None, None, None],
            "last_followup_at": [None, None, None, None, None, "2024-03-01", None, None, None],
            "next_followup_at": [None, None, None, None, None, "2024-03-15", None, None, None]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k3", "k9"], "customer_id": ["c3", "c9"], "owner_id": ["e2", "e1"],
            "signed_at": ["2024-01-10", "2024-04-10"], "amount": [1.0, 1.0],
            "status": ["approved", "approved"]}),
        "activities": pd.DataFrame({
            "activity_id": ["a1", "a2", "a3", "a4", "a5"],
            "employee_id": ["e1", "e2", "e1", "e1", "e1"],
            "at": ["2024-03-20 15:00", "2024-02-15", "2024-04-05", "2024-03-30", "2024-01-05"],
            "customer_id": ["c2", "c6", "c7", "c7", "c4"],
            "kind": ["follow_up", "follow_up", "follow_up", "sign_in", "follow_up"]}),
    })


def test_forgotten_customers(crm):
    # c1: never followed up, created 01-01 -> 90 days; c9 too (its deal comes after as_of).
    # c6: last follow-up 03-01 (its own field beats the 02-15 activity) -> 30, not above 30.
    # c7: only a sign-in before as_of -> 30 days since creation. Excluded: c3 dealt, c4 in the
    # pool, c5 deleted, c8 created after as_of.
    df = forgotten_customers(crm, days=30, as_of=AS_OF)
    assert df.columns[:4].tolist() == ["customer_id", "owner_id", "last_followup_at",
                                       "days_since"]
    assert df[["customer_id", "days_since"]].values.tolist() == [["c1", 90], ["c9", 90]]
    assert df["last_followup_at"].isna().all()
    week = forgotten_customers(crm, days=7, as_of=AS_OF).set_index("customer_id")
    assert week["days_since"].to_dict() == {"c1": 90, "c9": 90, "c6": 30, "c7": 30, "c2": 11}
    assert week.loc["c6", "last_followup_at"] == pd.Timestamp("2024-03-01")
    assert week.loc["c2", "last_followup_at"] == pd.Timestamp("2024-03-20 15:00")
    assert week["overdue"].to_dict() == {"c1": False, "c9": False, "c6": True, "c7": False,
                                         "c2": False}


def test_scoped_and_counts(crm):
    e2 = forgotten_customers(crm, days=7, as_of=AS_OF, scope=resolve_scope(crm, employee="e2"))
    assert e2["customer_id"].tolist() == ["c6"]
    counts = forgotten_counts(crm, as_of=AS_OF)
    assert counts["customers"].tolist() == [5, 4, 2, 0, 0, 1]  # 7, 15, 30, 90, 180, overdue
    assert counts["kind"].tolist()[-1] == "overdue"


def test_empty_and_bad(crm):
    assert forgotten_customers(crm, days=365, as_of=AS_OF).empty
    with pytest.raises(ValueError, match="`days` must be 0 or more"):
        forgotten_customers(crm, days=-1, as_of=AS_OF)


def test_same_on_postgres(crm, pg_url):
    from conftest import _fresh_pg

    import crmlib
    from crmlib.data import store

    pg = _fresh_pg(pg_url)
    for name in ("employees", "customers", "contracts", "activities"):
        store.upsert(pg, name, crm.table(name).execute())
    on_pg = forgotten_customers(crmlib.connect(pg), days=7, as_of=AS_OF)
    pd.testing.assert_frame_equal(on_pg, forgotten_customers(crm, days=7, as_of=AS_OF),
                                  check_dtype=False)
