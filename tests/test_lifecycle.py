"""Lifecycle stages on a tiny CRM worked out by hand; the demo checked with plain pandas;
DuckDB and PostgreSQL give the same stages."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import crmlib
from crmlib.data import store
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.metrics.lifecycle_stages import (
    LIFECYCLE_STAGES,
    lifecycle,
    lifecycle_summary,
    lifecycle_transitions,
)
from crmlib.scope import resolve_scope

AS_OF = "2024-06-30"
CONTRACTS = {  # customer -> effective purchase days (amount 10 each)
    "n1": ["2024-05-01"],
    "n2": ["2024-04-02"],
    "n3": ["2024-04-01"],
    "x1": ["2024-01-01", "2024-01-11", "2024-01-31"],
    "x2": ["2023-12-23", "2024-04-01", "2024-07-10"],  # 07-10 is after as_of
    "x3": ["2024-01-01", "2024-02-10"],
    "x4": ["2024-03-01 09:00", "2024-03-01 17:00", "2024-03-11"],  # same day: one purchase
    "s1": ["2024-02-01"],
    "s2": ["2024-03-20"],
    "s3": ["2024-03-31"],
    "q1": ["2024-06-20"],
    "p3": ["2024-05-01"],  # deleted customer
}


def frames():
    """As of 2024-06-30 (new_days 90, dormant 2x, churned 4x the usual gap):

    p1 no contract                                  -> potential
    p2 created 07-05, after as_of                   -> not counted;  p3 deleted -> not counted
    n1 one purchase 05-01: 60 days since first      -> new (created 04-15)
    n2 first 04-02: 28 + 31 + 30 = 89 days (< 90)   -> new
    n3 first 04-01: 90 days (not < 90); single, population gap 27.5: 90 > 55, <= 110 -> dormant
    x1 01-01, 01-11, 01-31: gap 30 / 2 = 15; since last 29+31+30+31+30 = 151 > 60 -> churned
    x2 2023-12-23, 04-01: gap 9 + 91 = 100; since last 90 <= 200               -> active
    x3 01-01, 02-10: gap 40; since last 19+31+30+31+30 = 141 > 80, <= 160      -> dormant
    x4 03-01 (twice), 03-11: 2 purchases, gap 10; since last 20+30+31+30 = 111 -> churned
    population gap = median(15, 100, 40, 10) = (15 + 40) / 2 = 27.5 -> 2x = 55, 4x = 110
    s1 02-01: 150 days > 110                         -> churned
    s2 03-20: 11 + 30 + 31 + 30 = 102, in (55, 110]  -> dormant
    s3 03-31 (+ a void contract 06-01): 91 days      -> dormant
    q1 public pool, 06-20: 10 days                   -> new
    """
    ids = ["p1", "p2", "p3", "n1", "n2", "n3", "x1", "x2", "x3", "x4", "s1", "s2", "s3", "q1"]
    created = {"p2": "2024-07-05", "n1": "2024-04-15"}
    owner = {"q1": None, "x2": "e3", "x3": "e3"}
    rows = [(c, d, "approved") for c, days in CONTRACTS.items() for d in days]
    rows.append(("s3", "2024-06-01", "void"))
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": pd.DataFrame({
            "customer_id": ids, "name": ids,
            "created_at": [created.get(c, "2023-06-01") for c in ids],
            "owner_id": [owner.get(c, "e1") for c in ids],
            "status": ["deleted" if c == "p3" else "active" for c in ids]}),
        "contracts": pd.DataFrame({
            "contract_id": [f"k{i}" for i in range(len(rows))],
            "customer_id": [r[0] for r in rows], "owner_id": ["e1"] * len(rows),
            "signed_at": [r[1] for r in rows], "amount": [10.0] * len(rows),
            "status": [r[2] for r in rows]}),
    }


EXPECTED = {"p1": "potential", "n1": "new", "n2": "new", "n3": "dormant", "x1": "churned",
            "x2": "active", "x3": "dormant", "x4": "churned", "s1": "churned", "s2": "dormant",
            "s3": "dormant", "q1": "new"}


def stages(df):
    return dict(zip(df["customer_id"], df["stage"], strict=True))


def test_stages_by_hand(crm):
    df = lifecycle(crm, as_of=AS_OF)
    assert stages(df) == EXPECTED
    row = df.set_index("customer_id")
    assert row.loc["x4", "purchases"] == 2  # same-day contracts merged
    assert row.loc["x2", "purchases"] == 2  # 07-10 is after as_of
    assert row.loc["s3", "purchases"] == 1  # the void contract does not count
    assert row.loc["x1", "usual_gap_days"] == 15.0 and row.loc["x1", "gap_source"] == "own"
    assert row.loc["x2", "usual_gap_days"] == 100.0
    assert row.loc["s1", "usual_gap_days"] == 27.5
    assert row.loc["s1", "gap_source"] == "population"
    assert df.attrs["population_gap_days"] == 27.5
    assert row.loc["x3", "days_since_last"] == 141 and row.loc["n2", "days_since_first"] == 89
    assert row.loc["x2", "first_purchase_at"] == pd.Timestamp("2023-12-23")
    assert row.loc["x2", "last_purchase_at"] == pd.Timestamp("2024-04-01")
    p1 = row.loc["p1"]
    assert p1["purchases"] == 0 and pd.isna(p1["last_purchase_at"])
    assert pd.isna(p1["days_since_last"]) and p1["gap_source"] is None
    assert df["p_alive"].isna().all()


def test_summary_fixed_order(crm):
    s = lifecycle_summary(lifecycle(crm, as_of=AS_OF))
    assert s["stage"].tolist() == list(LIFECYCLE_STAGES)
    # potential p1; new n1 n2 q1; active x2; dormant n3 x3 s2 s3; churned x1 x4 s1
    assert s["customers"].tolist() == [1, 3, 1, 4, 3]
    assert s["share"].tolist() == pytest.approx([1 / 12, 3 / 12, 1 / 12, 4 / 12, 3 / 12])
    for stage in LIFECYCLE_STAGES:
        assert CATALOGUE[f"lifecycle_stage_{stage}"]["zh"]


def test_p_alive_override(crm):
    # x2 active -> churned (0.2 < 0.5); x3 dormant stays (0.9); n1 stays new (new comes first)
    p = pd.Series({"x2": 0.2, "x3": 0.9, "n1": 0.1})
    df = lifecycle(crm, as_of=AS_OF, p_alive=p)
    assert stages(df) == {**EXPECTED, "x2": "churned"}
    assert df.set_index("customer_id").loc["x2", "p_alive"] == 0.2
    frame = pd.DataFrame({"customer_id": ["x2"], "p_alive": [0.4]})
    assert stages(lifecycle(crm, as_of=AS_OF, p_alive=frame))["x2"] == "churned"
    lenient = lifecycle(crm, as_of=AS_OF, p_alive=frame,
                        lifecycle_config={"p_alive_threshold": 0.3})
    assert stages(lenient)["x2"] == "active"
    with pytest.raises(ParamsError, match="outside 0..1"):
        lifecycle(crm, as_of=AS_OF, p_alive=pd.Series({"x2": 1.5}))


def test_config_override_and_errors(crm):
    # new_days 60: n1 (60 days) and n2 (89) are no longer new; single, 60 and 89 > 55 -> dormant
    df = lifecycle(crm, as_of=AS_OF, lifecycle_config={"new_days": 60})
    assert stages(df) == {**EXPECTED, "n1": "dormant", "n2": "dormant"}
    # dormant 1x, churned 1.5x: x2 (90 vs 100) active; x3 141 > 60 churned
    df = lifecycle(crm, as_of=AS_OF, lifecycle_config={"dormant_factor": 1,
                                                       "churned_factor": 1.5})
    assert stages(df)["x2"] == "active" and stages(df)["x3"] == "churned"
    with pytest.raises(ParamsError, match="unknown key `new_day`; did you mean `new_days`"):
        lifecycle(crm, as_of=AS_OF, lifecycle_config={"new_day": 30})
    with pytest.raises(ParamsError, match="is not below `churned_factor`"):
        lifecycle(crm, as_of=AS_OF, lifecycle_config={"dormant_factor": 5})


def test_scope(crm):
    east = resolve_scope(crm, team="east")  # e1, e2: not x2, x3 (e3), not q1 (public pool)
    df = lifecycle(crm, as_of=AS_OF, scope=east)
    assert set(df["customer_id"]) == set(EXPECTED) - {"x2", "x3", "q1"}
    # population gap in scope: median(15, 10) = 12.5 -> s2 (102 days) > 50: churned
    assert df.attrs["population_gap_days"] == 12.5
    assert stages(df)["s2"] == "churned"


def test_single_purchases_only_falls_back_with_warning():
    f = frames()
    f["contracts"] = f["contracts"][f["contracts"]["customer_id"].isin(["s1", "s2"])]
    with pytest.warns(UserWarning, match="no customer has two purchase days"):
        df = lifecycle(from_frames(f), as_of=AS_OF)
    # fallback gap 90: s1 150 days and s2 102 days, both <= 2 x 90 = 180 -> active
    assert stages(df) == {"p1": "potential", "n1": "potential", "n2": "potential",
                          "n3": "potential", "x1": "potential", "x2": "potential",
                          "x3": "potential", "x4": "potential", "s1": "active", "s2": "active",
                          "s3": "potential", "q1": "potential"}
    assert df.attrs["population_gap_days"] == 90.0


def test_transitions_by_hand(crm):
    # As of 2024-03-31: population gap = median(x1 15, x3 40, x4 10) = 15 (x2 has one purchase)
    # p1, n2, n3, q1 potential (no purchase yet); n1 not created yet;
    # x1 since first 90 (not new), since last 60 > 30, not > 60 -> dormant;
    # x2 single 2023-12-23: 99 days > 60 -> churned; x3 since last 50 <= 80 -> active;
    # x4 (03-01), s1 (02-01: 59 days), s2, s3 -> new
    m = lifecycle_transitions(crm, from_as_of="2024-03-31", to_as_of=AS_OF)
    assert m.index.tolist() == [*LIFECYCLE_STAGES, "not_created"]
    assert m.columns.tolist() == list(LIFECYCLE_STAGES)
    cells = {(i, j): v for (i, j), v in m.stack().items() if v}
    assert cells == {("potential", "potential"): 1, ("not_created", "new"): 1,
                     ("potential", "new"): 2, ("potential", "dormant"): 1,
                     ("dormant", "churned"): 1, ("churned", "active"): 1,
                     ("active", "dormant"): 1, ("new", "churned"): 2, ("new", "dormant"): 2}
    long = lifecycle_transitions(crm, from_as_of="2024-03-31", to_as_of=AS_OF, form="long")
    new = long[long.from_stage == "new"].set_index("to_stage")["share_of_from"]
    assert new["churned"] == 0.5 and new["dormant"] == 0.5
    assert len(long) == 6 * 5


def test_demo_matches_plain_pandas():
    crm = crmlib.connect()
    as_of = pd.Timestamp("2026-10-31")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = lifecycle(crm, as_of=as_of).set_index("customer_id")
    c = crm.table("customers").execute()
    c = c[(c["status"].fillna("") != "deleted") & (c["created_at"] < as_of + pd.Timedelta(days=1))]
    k = crm.table("contracts").execute()
    k = k[(k["status"].isna() | (k["status"] == "approved"))
          & (k["signed_at"] < as_of + pd.Timedelta(days=1))]
    days = k.assign(day=k["signed_at"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    per = days.groupby("customer_id")["day"].agg(["min", "max", "size"])
    assert set(got.index) == set(c["customer_id"])
    per = per[per.index.isin(got.index)]
    assert got.loc[per.index, "purchases"].tolist() == per["size"].tolist()
    assert (got["purchases"] == 0).sum() == len(got) - len(per)
    gaps = days.sort_values("day").groupby("customer_id")["day"].diff().dt.days
    mean_gap = gaps.groupby(days["customer_id"]).mean().reindex(per.index)
    own = got.loc[per.index, "usual_gap_days"].where(per["size"] > 1)
    assert own.dropna().to_numpy() == pytest.approx(mean_gap.dropna().to_numpy())
    assert got.attrs["population_gap_days"] == pytest.approx(mean_gap.dropna().median())
    assert (got.loc[per.index, "days_since_last"].astype(int)
            == (as_of - per["max"]).dt.days).all()
    counts = lifecycle_summary(got.reset_index())["customers"]
    assert (counts > 0).all() and counts.sum() == len(got)


def test_same_stages_on_duckdb_and_postgres(backend):
    store.ensure_tables(backend, list(frames()))
    for name, df in frames().items():
        store.upsert(backend, name, df)
    a = lifecycle(crmlib.connect(backend), as_of=AS_OF)
    b = lifecycle(from_frames(frames()), as_of=AS_OF)
    pd.testing.assert_frame_equal(a, b)
    assert stages(a) == EXPECTED
