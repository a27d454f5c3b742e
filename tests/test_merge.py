"""Merging duplicate customers (crmlib.data.merge, `crm merge`) on DuckDB and PostgreSQL."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from helpers import load_frames

from crmlib.cli import main
from crmlib.data import merge, store
from crmlib.data.merge import apply_merges, plan_merges, read_merges, resolve_merges
from crmlib.exceptions import CRMDataError

FRAMES = {
    "employees": pd.DataFrame({"employee_id": ["e1", "e2"], "name": ["王伟", "李娜"],
                               "team": ["east", "east"]}),
    # d1 and d2 are duplicates of k1; d2 is already deleted by hand; o1 is someone else
    "customers": pd.DataFrame({
        "customer_id": ["k1", "d1", "d2", "o1"],
        "name": ["杭州明达科技有限公司", "杭州明达科技", "明达科技（杭州）有限公司", "Acme Inc."],
        "created_at": ["2023-01-01", "2024-02-01", "2024-03-01", "2023-05-01"],
        "owner_id": ["e1", "e2", "e2", "e1"], "status": ["active", "active", "deleted", None]}),
    "contacts": pd.DataFrame({
        "contact_id": ["x1", "x2", "x3"], "customer_id": ["k1", "d1", "d1"],
        "name": ["张伟", "李强", "王芳"],
        "created_at": ["2023-01-02", "2024-02-02", "2024-02-03"]}),
    "leads": pd.DataFrame({"lead_id": ["l1", "l2"], "created_at": ["2024-01-01", "2024-01-02"],
                           "converted_customer_id": ["d1", "o1"]}),
    "contracts": pd.DataFrame({
        "contract_id": ["h1", "h2", "h3"], "customer_id": ["k1", "d1", "d2"],
        "owner_id": ["e1", "e2", "e2"], "signed_at": ["2023-02-01", "2024-03-01", "2024-04-01"],
        "amount": [100.0, 50.0, 20.0], "status": ["approved"] * 3}),
    "payments": pd.DataFrame({
        "payment_id": ["p1", "p2"], "contract_id": ["h2", "h1"], "paid_at": ["2024-03-05",
                                                                             "2023-02-05"],
        "amount": [50.0, 100.0], "customer_id": ["d1", "k1"]}),
    "activities": pd.DataFrame({
        "activity_id": ["a1", "a2", "a3"], "employee_id": ["e2", "e2", "e1"],
        "at": ["2024-02-10", "2024-02-11", "2024-02-12"], "customer_id": ["d1", "d1", "k1"],
        # a2 is about an opportunity (its entity_id is no customer id), a3 names d1 as entity
        "entity_type": ["customer", "opportunity", "customer"],
        "entity_id": ["d1", "d1", "d1"]}),
    "owner_changes": pd.DataFrame({"customer_id": ["d1"], "changed_at": ["2024-02-15"],
                                   "from_owner_id": ["e1"], "to_owner_id": ["e2"],
                                   "reason": ["reassign"]}),
}
MERGES = pd.DataFrame({"keep_id": ["k1", "k1"], "merge_id": ["d1", "d2"],
                       "rule": ["phone+name", "name"]})


@pytest.fixture
def db(backend):
    """This module's FRAMES loaded into each backend."""
    return load_frames(backend, FRAMES)


def snapshot(con) -> dict[str, pd.DataFrame]:
    """Every table, sorted, for before/after comparisons."""
    out = {}
    for name in sorted(con.list_tables()):
        df = con.table(name).execute()
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def assert_same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_plan(db):
    before = snapshot(db)
    plan = plan_merges(db, MERGES)
    got = {(r.merged_id, r.table_name, r.column_name): r.rows for r in plan.itertuples()}
    # d1: 2 contacts, its lead, 1 contract, 1 payment, a1 and a2 (customer_id), a1 and a3
    # (entity_id, customer entities only), 1 owner change, its status; d2 (deleted): 1 contract
    assert got == {("d1", "contacts", "customer_id"): 2, ("d1", "leads", "converted_customer_id"): 1,
                   ("d1", "contracts", "customer_id"): 1, ("d1", "payments", "customer_id"): 1,
                   ("d1", "activities", "customer_id"): 2, ("d1", "activities", "entity_id"): 2,
                   ("d1", "owner_changes", "customer_id"): 1, ("d1", "customers", "status"): 1,
                   ("d2", "contracts", "customer_id"): 1}
    assert set(plan["kept_id"]) == {"k1"}
    assert plan.loc[plan["merged_id"] == "d2", "rule"].tolist() == ["name"]
    assert_same(before, snapshot(db))  # planning writes nothing


def test_apply_repoints_marks_deleted_and_audits(db):
    before = snapshot(db)
    audit = apply_merges(db, MERGES, merged_at="2026-11-02 09:00:00")
    assert len(audit) == 9 and audit["rows"].sum() == 12
    after = snapshot(db)
    c = after["customers"].set_index("customer_id")["status"]
    assert c["d1"] == "deleted" and c["d2"] == "deleted" and c["k1"] == "active"
    assert pd.isna(c["o1"])  # untouched
    assert after["contacts"]["customer_id"].tolist() == ["k1", "k1", "k1"]
    assert sorted(after["contracts"]["customer_id"]) == ["k1", "k1", "k1"]
    assert after["leads"].set_index("lead_id")["converted_customer_id"].to_dict() == {
        "l1": "k1", "l2": "o1"}
    assert after["payments"]["customer_id"].tolist() == ["k1", "k1"]
    act = after["activities"].set_index("activity_id")
    assert act["customer_id"].tolist() == ["k1", "k1", "k1"]
    assert act["entity_id"].to_dict() == {"a1": "k1", "a2": "d1", "a3": "k1"}
    assert after["owner_changes"]["customer_id"].tolist() == ["k1"]
    assert before["employees"].equals(after["employees"])
    stored = after[merge.MERGE_AUDIT_TABLE]
    assert len(stored) == 9 and set(stored["merged_at"]) == {pd.Timestamp("2026-11-02 09:00")}
    assert list(stored.columns) == list(merge.AUDIT_COLUMNS)
    row = stored[(stored["merged_id"] == "d1") & (stored["table_name"] == "contacts")]
    assert (row["kept_id"].item(), row["rows"].item(), row["rule"].item()) == (
        "k1", 2, "phone+name")


def test_second_run_is_a_no_op(db):
    apply_merges(db, MERGES)
    once = snapshot(db)
    assert plan_merges(db, MERGES).empty
    again = apply_merges(db, MERGES)
    assert again.empty and list(again.columns) == list(merge.AUDIT_COLUMNS)
    assert_same(once, snapshot(db))


def test_failure_midway_rolls_back(db, monkeypatch):
    before = snapshot(db)

    def boom(con, audit):
        raise RuntimeError("disk full while writing the audit")

    monkeypatch.setattr(merge, "_insert_audit", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_merges(db, MERGES)
    assert_same(before, snapshot(db))  # no merge_audit table either


def test_bad_merges_are_refused(db):
    before = snapshot(db)
    with pytest.raises(CRMDataError, match="zz does not exist"):
        plan_merges(db, pd.DataFrame({"keep_id": ["k1"], "merge_id": ["zz"]}))
    with pytest.raises(CRMDataError, match="kept customer d2 is deleted"):
        plan_merges(db, pd.DataFrame({"keep_id": ["d2"], "merge_id": ["o1"]}))
    with pytest.raises(CRMDataError, match="zz does not exist"):
        apply_merges(db, pd.DataFrame({"keep_id": ["k1", "k1"], "merge_id": ["d1", "zz"]}))
    assert_same(before, snapshot(db))


def test_resolve_merges():
    chain = resolve_merges(pd.DataFrame({"keep_id": ["A", "C", "A"], "merge_id": ["B", "A", "B"],
                                         "rule": ["name", "phone", "name"]}))
    assert chain[["kept_id", "merged_id"]].values.tolist() == [["C", "B"], ["C", "A"]]
    blank = resolve_merges(pd.DataFrame({"keep_id": ["A", " "], "merge_id": ["B", "C"]}))
    assert blank["merged_id"].tolist() == ["B"] and blank["rule"].tolist() == [""]
    with pytest.raises(CRMDataError, match="into itself"):
        resolve_merges(pd.DataFrame({"keep_id": ["A"], "merge_id": ["A"]}))
    with pytest.raises(CRMDataError, match="merged into several"):
        resolve_merges(pd.DataFrame({"keep_id": ["A", "C"], "merge_id": ["B", "B"]}))
    with pytest.raises(CRMDataError, match="cycle"):
        resolve_merges(pd.DataFrame({"keep_id": ["A", "B"], "merge_id": ["B", "A"]}))


def test_read_merges(tmp_path):
    p = tmp_path / "m.csv"
    MERGES.assign(keep_name="x").to_csv(p, index=False, encoding="utf-8-sig")
    assert read_merges(p)[["kept_id", "merged_id"]].values.tolist() == [["k1", "d1"],
                                                                         ["k1", "d2"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("keep,merge\nk1,d1\n", encoding="utf-8")
    with pytest.raises(CRMDataError, match="no column `keep_id`, `merge_id`"):
        read_merges(bad)
    with pytest.raises(CRMDataError, match="does not exist"):
        read_merges(tmp_path / "none.csv")


def test_merge_command_on_a_duckdb_file(tmp_path, capsys):
    path = tmp_path / "crm.duckdb"
    store.write_duckdb(path, FRAMES)
    csv = tmp_path / "suggested_merges.csv"
    MERGES.to_csv(csv, index=False, encoding="utf-8-sig")
    before = snapshot(ibis.duckdb.connect(str(path), read_only=True))
    # stdin is not a terminal under pytest: without --yes it is a dry run
    assert main(["merge", str(csv), "--into", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 customer(s) to merge" in out and "Dry run: nothing changed" in out
    con = ibis.duckdb.connect(str(path), read_only=True)
    assert_same(before, snapshot(con))
    con.disconnect()
    assert main(["merge", str(csv), "--into", f"duckdb://{path}", "--yes"]) == 0
    assert "Merged 2 customer(s): 11 row(s) re-pointed" in capsys.readouterr().out
    assert main(["merge", str(csv), "--into", str(path), "--yes"]) == 0
    assert "Nothing to merge" in capsys.readouterr().out
    con = ibis.duckdb.connect(str(path), read_only=True)
    assert con.table("merge_audit").count().execute() == 9
    con.disconnect()
    assert main(["merge", str(csv), "--into", str(tmp_path / "none.duckdb"), "--yes"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_merge_command_on_postgres(pg_url, capsys, tmp_path):
    from helpers import fresh_pg

    from crmlib.data.connect import connect

    con = fresh_pg(pg_url)
    store.ensure_tables(con, list(FRAMES))
    for name, df in FRAMES.items():
        store.upsert(con, name, df)
    con.disconnect()
    csv = tmp_path / "m.csv"
    MERGES.to_csv(csv, index=False)
    assert main(["merge", str(csv), "--into", pg_url, "--yes"]) == 0
    assert "Merged 2 customer(s)" in capsys.readouterr().out
    pg = connect(pg_url, check=False).backend
    assert pg.table("merge_audit").count().execute() == 9
    status = pg.table("customers").execute().set_index("customer_id")["status"]
    assert status["d1"] == "deleted"
    pg.disconnect()
