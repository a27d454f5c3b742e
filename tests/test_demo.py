"""Tests of the demo generator: the data follow the data model and are internally consistent."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from crmlib.data import store
from crmlib.data.schema import TABLES
from crmlib.demo import DEMO_AS_OF, DEMO_STAGES, build_demo, generate

LINES, SEED = 5_000, 1
# planned dates, which may lie after the as-of day; every other timestamp is an event
PLANNED = {("opportunities", "expected_close_at"), ("customers", "next_followup_at"),
           ("contracts", "end_at"), ("payment_plans", "due_at"), ("targets", "month")}


@pytest.fixture(scope="module")
def frames():
    return generate(lines=LINES, seed=SEED)


def test_all_tables_with_canonical_columns(frames):
    assert sorted(frames) == sorted(TABLES)
    for name, df in frames.items():
        assert list(df.columns) == TABLES[name].names, name
        assert len(df) > 0, name


def test_conform_accepts_every_table(frames):
    for name, df in frames.items():
        out = store.conform(df, name)
        assert len(out) == len(df)


def test_required_columns_are_filled(frames):
    for name, df in frames.items():
        for col in TABLES[name].required:
            assert df[col].notna().all(), f"{name}.{col}"


def test_keys_are_unique(frames):
    for name, df in frames.items():
        key = list(TABLES[name].key)
        if key:
            assert not df.duplicated(key).any(), name


def test_references_resolve(frames):
    for name, spec in TABLES.items():
        refs = {**spec.references, **spec.soft_references}
        for col, (parent, pcol) in refs.items():
            values = frames[name][col].dropna()
            missing = ~values.isin(frames[parent][pcol])
            assert not missing.any(), f"{name}.{col}: {values[missing].head().tolist()}"


def test_ordered_dates(frames):
    for name, spec in TABLES.items():
        df = frames[name]
        for early, late in spec.ordered:
            both = df[early].notna() & df[late].notna()
            assert (df.loc[both, late] >= df.loc[both, early]).all(), f"{name}: {early} > {late}"


def test_event_order_across_tables(frames):
    cu = frames["customers"].set_index("customer_id")
    k = frames["contracts"].set_index("contract_id")
    assert (k["signed_at"] >= cu.loc[k["customer_id"], "created_at"].to_numpy()).all()
    o = frames["opportunities"]
    assert (o["created_at"] >= cu.loc[o["customer_id"], "created_at"].to_numpy()).all()
    for table, col in (("payments", "paid_at"), ("invoices", "issued_at"),
                       ("returns", "returned_at"), ("visits", "visited_at")):
        df = frames[table]
        assert (df[col] >= k.loc[df["contract_id"], "signed_at"].to_numpy()).all(), table
    dealt = cu["dealt_at"].notna()
    assert (cu.loc[dealt, "dealt_at"] >= cu.loc[dealt, "created_at"]).all()
    leads = frames["leads"]
    conv = leads[leads["status"] == "converted"]
    assert conv["converted_customer_id"].notna().all() and conv["converted_at"].notna().all()
    assert leads.loc[leads["status"] != "converted", "converted_customer_id"].isna().all()


def test_amounts_and_bounds(frames):
    for name, spec in TABLES.items():
        df = frames[name]
        for c in spec.columns:
            s = df[c.name].dropna()
            if c.min_value is not None:
                assert (s >= c.min_value).all(), f"{name}.{c.name}"
            if c.max_value is not None:
                assert (s <= c.max_value).all(), f"{name}.{c.name}"
            if c.allowed is not None:
                assert s.isin(c.allowed).all(), f"{name}.{c.name}: {set(s) - set(c.allowed)}"
    assert (frames["opportunities"]["amount"] > 0).all()
    assert frames["contract_lines"]["discount"].between(0, 0.3).all()


def test_contract_amount_is_sum_of_lines(frames):
    lines = frames["contract_lines"]
    expect = (lines["quantity"] * lines["unit_price"] * (1 - lines["discount"])).round(2)
    assert np.allclose(lines["amount"], expect, atol=0.011)
    total = lines.groupby("contract_id")["amount"].sum().round(2)
    k = frames["contracts"].set_index("contract_id")["amount"]
    assert total.index.sort_values().equals(k.index.sort_values())
    assert np.allclose(k.loc[total.index], total, atol=0.005)
    numbered = lines.groupby("contract_id")["line_no"].agg(
        lambda s: sorted(s) == list(range(1, len(s) + 1)))
    assert numbered.all()


def test_payments_within_plans(frames):
    plans, pay = frames["payment_plans"], frames["payments"]
    k = frames["contracts"].set_index("contract_id")
    planned = plans.groupby("contract_id")["amount"].sum()
    assert np.allclose(planned, k.loc[planned.index, "amount"], atol=0.005)
    assert (plans["received_amount"] <= plans["amount"] + 1e-9).all()
    assert k.loc[pay["contract_id"], "status"].eq("approved").all()
    ok = pay[pay["status"] == "approved"].groupby("contract_id")["amount"].sum()
    rec = plans.groupby("contract_id")["received_amount"].sum()
    assert np.allclose(ok, rec.loc[ok.index], atol=0.01)
    assert (ok <= k.loc[ok.index, "amount"] + 0.01).all()


def test_returns_within_lines(frames):
    r, lines = frames["returns"], frames["contract_lines"]
    m = r.merge(lines, on=["contract_id", "product_id"], suffixes=("", "_line"))
    assert len(m) == len(r)
    assert (m["amount"] <= m["amount_line"]).all() and (m["quantity"] <= m["quantity_line"]).all()
    share = len(r) / len(lines)
    assert 0.01 < share < 0.06


def test_dealt_at_is_first_approved_contract(frames):
    cu = frames["customers"].set_index("customer_id")
    k = frames["contracts"]
    first = k[k["status"] == "approved"].groupby("customer_id")["signed_at"].min()
    expect = pd.Series(pd.NaT, index=cu.index, dtype="datetime64[us]")
    expect.loc[first.index] = first
    pd.testing.assert_series_equal(cu["dealt_at"], expect, check_names=False)


def test_outcome_follows_stage(frames):
    stages = frames["pipeline_stages"].set_index("stage")
    assert list(stages.index) == [s.stage for s in DEMO_STAGES]
    o = frames["opportunities"]
    assert (o["outcome"] == stages.loc[o["stage"], "outcome"].to_numpy()).all()
    closed = o["outcome"] != "open"
    assert o.loc[closed, "closed_at"].notna().all() and o.loc[~closed, "closed_at"].isna().all()
    assert o.loc[o["outcome"] == "lost", "lost_reason"].notna().all()
    assert o.loc[o["outcome"] != "lost", "lost_reason"].isna().all()
    assert o.loc[~closed, "expected_close_at"].notna().all()
    won = o[o["outcome"] == "won"]
    linked = frames["contracts"]["opportunity_id"].dropna()
    assert linked.is_unique and linked.isin(won["opportunity_id"]).all()
    rate = (o["outcome"] == "won").sum() / (o["outcome"] != "invalid").sum()
    assert 0.15 < rate < 0.3


def test_stage_history(frames):
    h = frames["stage_history"]
    o = frames["opportunities"].set_index("opportunity_id")
    assert (h.groupby("opportunity_id")["entered_at"].diff().dropna() > pd.Timedelta(0)).all()
    order = {s.stage: s.stage_order for s in DEMO_STAGES}
    assert (h["stage"].map(order).groupby(h["opportunity_id"]).diff().dropna() > 0).all()
    last = h.groupby("opportunity_id").last()
    assert (last["stage"] == o.loc[last.index, "stage"]).all()
    first = h.groupby("opportunity_id").first()
    assert (first["entered_at"] == o.loc[first.index, "created_at"]).all()
    assert (first["stage"] == "qualify").all()
    closed = o["closed_at"].notna()
    assert (last.loc[o.index[closed], "entered_at"] == o.loc[closed, "closed_at"]).all()
    # the drop-off: each stage is reached by fewer deals
    reached = h.groupby("stage")["opportunity_id"].nunique()
    funnel = [reached[s] for s in ("qualify", "needs_analysis", "proposal", "negotiation", "won")]
    assert funnel == sorted(funnel, reverse=True)


def test_nothing_after_as_of(frames):
    end = DEMO_AS_OF + pd.Timedelta(days=1)
    for name, spec in TABLES.items():
        for c in spec.columns:
            if c.dtype in ("timestamp", "date") and (name, c.name) not in PLANNED:
                s = frames[name][c.name].dropna()
                assert (s < end).all(), f"{name}.{c.name} after the as-of day"
    assert frames["contracts"]["signed_at"].max() >= DEMO_AS_OF - pd.Timedelta(days=7)
    # the as-of day is the last event day (what connect's last_event_date finds)
    events = [("contracts", "signed_at"), ("payments", "paid_at"), ("customers", "created_at"),
              ("opportunities", "created_at"), ("activities", "at"), ("leads", "created_at")]
    assert max(frames[t][c].max() for t, c in events).normalize() == DEMO_AS_OF


def test_targets_plan_the_rest_of_the_year(frames):
    """Targets run to December of the as-of year (a year's plan), one per owner and metric that
    has one in the as-of month, so quarter and year forecasts have a full target."""
    t = frames["targets"].assign(month=lambda d: pd.to_datetime(d["month"]))
    assert t["month"].max() == pd.Timestamp(f"{DEMO_AS_OF.year}-12-01")
    keys = ["owner_type", "owner_id", "metric"]
    last = t[t["month"] == DEMO_AS_OF.replace(day=1)][keys]
    for month in ("11", "12"):
        later = t[t["month"] == pd.Timestamp(f"{DEMO_AS_OF.year}-{month}-01")]
        assert sorted(map(tuple, later[keys].values)) == sorted(map(tuple, last.values))
        assert (later["value"] > 0).all()


def test_followups_and_owners_consistent(frames):
    cu = frames["customers"].set_index("customer_id")
    a = frames["activities"]
    fu = a[(a["kind"] == "follow_up") & (a["entity_type"] == "customer")]
    last = fu.groupby("customer_id")["at"].max()
    has = cu["last_followup_at"].notna()
    assert set(last.index) == set(cu.index[has])
    assert (cu.loc[last.index, "last_followup_at"] == last).all()
    assert (cu.loc[cu["next_followup_at"].notna(), "next_followup_at"]
            > cu.loc[cu["next_followup_at"].notna(), "last_followup_at"]).all()
    ch = frames["owner_changes"].sort_values("changed_at")
    final = ch.groupby("customer_id").tail(1).set_index("customer_id")
    assert (final["to_owner_id"].fillna("") == cu.loc[final.index, "owner_id"].fillna("")).all()
    assert cu["owner_id"].isna().any()  # some are in the public pool
    assert set(ch["reason"]) == {"pool_in", "pool_out", "reassign"}
    # follow-ups are written by the customer's owner or their manager, mostly the owner
    owner = cu.loc[fu["customer_id"], "owner_id"].to_numpy()
    assert (fu["employee_id"].to_numpy() == owner).mean() > 0.5


def test_organisation(frames):
    emp = frames["employees"]
    assert emp["team"].nunique() >= 3 and emp["name"].is_unique
    top = emp[emp["manager_id"].isna()]
    assert len(top) == 1
    boss = dict(zip(emp["employee_id"], emp["manager_id"], strict=True))
    for e in emp["employee_id"]:  # every chain ends at the director, without cycles
        seen = 0
        while boss[e] is not None:
            e, seen = boss[e], seen + 1
            assert seen < 10
        assert e == top["employee_id"].iloc[0]
    assert (emp["team"] == "global").any()


def test_same_seed_same_data_and_other_seed_differs(frames):
    again = generate(lines=LINES, seed=SEED)
    for name in frames:
        pd.testing.assert_frame_equal(frames[name], again[name], obj=name)
    other = generate(lines=LINES, seed=SEED + 1)
    assert not frames["contracts"].equals(other["contracts"])


def test_scale_and_pareto(frames):
    n = len(frames["contract_lines"])
    assert 0.8 * LINES <= n <= 1.2 * LINES
    k = frames["contracts"]
    value = k[k["status"] == "approved"].groupby("customer_id")["amount"].sum()
    value = value.sort_values(ascending=False)
    top = value.iloc[: int(np.ceil(0.2 * len(value)))].sum() / value.sum()
    assert top > 0.55
    per = k.groupby("customer_id").size()
    assert (per >= 3).sum() > 0.2 * len(per)  # repeat buyers for RFM and CLV


def test_tiny_scale():
    frames = generate(lines=1_000, seed=7)
    assert 800 <= len(frames["contract_lines"]) <= 1_200
    assert len(frames["employees"]) == 20 and frames["employees"]["team"].nunique() == 3


def test_too_small_is_refused():
    with pytest.raises(ValueError, match="lines=500 is too small"):
        generate(lines=500)


def test_build_demo_writes_duckdb(tmp_path):
    path = build_demo(tmp_path / "x.duckdb", lines=2_000, seed=3, progress=False)
    frames = generate(lines=2_000, seed=3)
    con = ibis.duckdb.connect(str(path))
    try:
        for name, df in frames.items():
            assert con.table(name).count().execute() == len(df), name
        assert store.read_meta(con) == {"generator": "crmlib.demo", "seed": "3", "lines": "2000",
                                        "as_of": DEMO_AS_OF.date().isoformat()}
    finally:
        con.disconnect()


def test_leavers_hand_over_their_work(frames):
    emp = frames["employees"]
    gone = emp.loc[~emp["active"], "employee_id"]
    assert len(gone) > 0
    assert not frames["customers"]["owner_id"].isin(gone).any()
    o = frames["opportunities"]
    assert not o.loc[o["outcome"] == "open", "owner_id"].isin(gone).any()


def test_near_duplicate_customers(frames):
    cu = frames["customers"]
    phones = cu["phone"].dropna()
    dup = phones.duplicated(keep=False).sum()
    assert 0 < dup < 0.03 * len(cu)


def test_owner_changes_replay(frames):
    ch = frames["owner_changes"].sort_values(["customer_id", "changed_at"])
    prev_to = ch.groupby("customer_id")["to_owner_id"].shift()
    again = ch.duplicated("customer_id")
    # each change starts from the owner the previous change left
    assert (ch.loc[again, "from_owner_id"].fillna("") == prev_to[again].fillna("")).all()
    assert ch.loc[ch["reason"] == "pool_in", "to_owner_id"].isna().all()
    assert ch.loc[ch["reason"] == "pool_out", "from_owner_id"].isna().all()
    cu = frames["customers"].set_index("customer_id")
    assert (ch["changed_at"] >= cu.loc[ch["customer_id"], "created_at"].to_numpy()).all()
