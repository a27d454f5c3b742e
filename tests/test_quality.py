"""Data quality (crmlib.quality): name folding, duplicates, checks, scores, `crm quality`.

The hand-built CRM of :func:`quality_frames` is small enough to work every figure out on paper;
the comments beside its rows say which checks each row fails (as of 2024-06-30).
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from helpers import crm_on

from crmlib import quality
from crmlib.cli import main
from crmlib.data.connect import connect, from_frames
from crmlib.exceptions import ParamsError
from crmlib.quality.normalize import fold_company
from crmlib.quality.phones_emails import (
    email_is_valid,
    normalize_email,
    normalize_phone,
    phone_invalid_expr,
    phone_is_valid,
)
from crmlib.quality.similarity import match_names
from crmlib.scope import Scope

LABELLED = Path(__file__).parent / "data" / "duplicates.csv"
AS_OF = "2024-06-30"  # the stale cutoff is 2024-01-02 (180 days before)


def quality_frames() -> dict[str, pd.DataFrame]:
    return {
        "employees": pd.DataFrame({
            "employee_id": ["e1", "e2", "e3"], "name": ["王伟", "李娜", "Ann Lee"],
            "team": ["east", "east", "global"],
            "department": ["华东大区", "华东大区", None]}),  # e3: missing department
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            # c1 ~ c2: same phone once normalised, same name core (杭州 / 明达科技)
            "name": ["杭州明达科技有限公司", "杭州明达科技", "Acme Inc.", "Acme Labs Inc.",
                     "北京华为", "上海华为"],
            # c4 is created after as_of (future); c5 is deleted: it counts nowhere
            "created_at": ["2024-01-05", "2024-03-01", "2023-01-01", "2024-07-15",
                           "2024-01-01", "2024-05-01"],
            "owner_id": ["e1", "e2", "e3", "e3", None, None],
            "industry": ["IT", "  ", "IT", "IT", None, "IT"],  # c2 blank
            "level": ["A", "B", "C", "C", None, "B"],
            "source": ["广告", None, "广告", "广告", None, "广告"],  # c2 missing
            "province": ["浙江省", "浙江省", "上海市", "上海市", None, "上海市"],
            "city": ["杭州市", "杭州市", "上海市", "上海市", None, "上海市"],
            "phone": ["+86 138-0013-8000", "13800138000", "12345", "021-5555-1234", None,
                      "0086 139 0000 2222"],  # c3 invalid
            "email": ["Info@MingDa.com ", None, "acme@", "labs@acme.com", None,
                      "hw@huawei.sh.cn"],  # c2 missing, c3 invalid
            "status": ["active", "active", "active", "active", "deleted", None],
            # c3 last touched 2023-02-01: stale; c2 is touched by activity a1
            "last_followup_at": ["2024-06-01", None, "2023-02-01", None, None, None]}),
        "contacts": pd.DataFrame({
            "contact_id": ["x1", "x2", "x3", "x4"],
            "customer_id": ["c1", "c1", "c2", "c9"],  # x4: unknown customer (orphan)
            "name": ["张伟", "张 伟", "张伟", "Li Na"],  # x2 = x1 (same customer), x3 = x1
            "created_at": ["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"],
            "owner_id": ["e1", "e1", "e2", "e1"],
            "title": ["经理", None, "经理", "CEO"],
            "phone": ["13900001111", None, "+86 139 0000 1111", "13700000000"],
            "email": ["zhang.wei@mingda.com", None, "ZHANG.WEI@mingda.com", "li@x.com"]}),
        "pipeline_stages": pd.DataFrame({
            "pipeline": ["default"] * 4, "stage": ["qualify", "proposal", "Won", "Lost"],
            "stage_order": [1, 2, 3, 4], "outcome": ["open", "open", "won", "lost"]}),
        "opportunities": pd.DataFrame({
            "opportunity_id": ["o1", "o2", "o3"], "owner_id": ["e1", "e1", "e2"],
            "stage": ["proposal", "Won", "qualify"], "customer_id": ["c1", "c1", "c2"],
            "amount": [100.0, 80.0, None],  # o3 missing amount
            "created_at": ["2024-02-01", "2024-01-10", "2024-06-01"],
            # o1 open past its expected close: stale; o3 expected later (a plan, not future)
            "expected_close_at": ["2024-05-01", "2024-03-01", "2024-08-01"],
            "closed_at": [None, "2024-02-20", None]}),
        "products": pd.DataFrame({
            "product_id": ["P1", "P2"], "name": ["Widget", "Gadget"],
            "category": ["软件", None], "list_price": [10.0, None]}),  # P2 missing both
        # c2 has 2 effective contracts, c1 one (k4 is void): keep c2, merge c1
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5", "k6"],
            "customer_id": ["c1", "c2", "c2", "c1", "c9", "c5"],  # k5 orphan; k6 deleted cust.
            "owner_id": ["e1", "e2", "e2", "e1", "e1", "e2"],
            "signed_at": ["2024-02-01", "2024-03-10", "2024-04-10", "2024-01-20", "2024-05-05",
                          "2024-02-02"],
            "amount": [100.0, 100.0, 50.0, 999.0, 10.0, 20.0],
            "status": ["approved", "approved", "approved", "void", "approved", "approved"],
            # k3 ends before it starts; k2, k4, k5, k6 lack both dates
            "start_at": ["2024-02-01", None, "2024-05-01", None, None, None],
            "end_at": ["2025-01-31", None, "2024-04-01", None, None, None]}),
        "contract_lines": pd.DataFrame({
            "contract_id": ["k1", "k2", "k77"], "product_id": ["P1", "P3", "P1"],  # 2 orphans
            "quantity": [1.0, 1.0, 1.0], "amount": [100.0, 100.0, 5.0], "line_no": [1, 1, 1]}),
        "payments": pd.DataFrame({
            "payment_id": ["p1", "p2"], "contract_id": ["k1", "k99"],  # p2 orphan
            "paid_at": ["2024-03-01", "2024-04-01"], "amount": [100.0, 5.0],
            "customer_id": ["c1", None], "method": ["银行转账", None]}),  # p2 missing method
        "activities": pd.DataFrame({
            "activity_id": ["a1", "a2", "a3"], "employee_id": ["e2", "e1", "e1"],
            "at": ["2024-06-20", "2024-07-10", "2024-05-01"],  # a2 future
            "customer_id": ["c2", "c1", "c42"],  # a3 orphan
            "kind": ["follow_up"] * 3, "channel": ["phone", None, "visit"]}),  # a2 missing
    }


@pytest.fixture
def qcrm():
    crm = from_frames(quality_frames())
    yield crm
    crm.close()


@pytest.fixture
def qcrm_both(backend):
    """The quality CRM on DuckDB and on PostgreSQL."""
    return crm_on(backend, quality_frames())


def _rows(df, **where) -> dict:
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    return {(r.table, r.column, r.rule): r.rows for r in sel.itertuples()}


# -- normalisation -------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["+86 138-0013-8000", "0086 13800138000", "8613800138000",
                                 "138 0013 8000", "(+86)138.0013.8000", "１３８００１３８０００"])
def test_phone_variants_normalise_alike(raw):
    assert normalize_phone(raw) == "13800138000"
    assert phone_is_valid(raw)


def test_phone_rules():
    assert normalize_phone("+86 21 5555 1234") == normalize_phone("021-5555-1234") == "02155551234"
    assert normalize_phone("+1 415 555 0100") == "0014155550100"
    assert [phone_is_valid(v) for v in ("12345", "5555 1234", "138001380001", None, " ")] == [
        False] * 5
    assert normalize_email("  Zhang.Wei@Example.COM ") == "zhang.wei@example.com"
    assert email_is_valid("a.b+c@mail.example.cn") and not email_is_valid("acme@")
    assert not email_is_valid("a@b") and not email_is_valid("a b@c.com")


def test_engine_phone_rule_agrees_with_python():
    vals = ["+86 138-0013-8000", "13800138000", "0086 13800138000", "8613800138000",
            "+86 (21) 5555-1234", "021 5555 1234", "5555 1234", "12345", "+1 415 555 0100",
            "001 415 555 0100", "138001380001", "+86 12345678901", "+86 1234567890",
            "86 21 5555 1234", "+862155551234", "(0571)88886666", "+44 20 7946 0958", "10086",
            "138 0013 8000 ext 12", "+86 0571 8888 6666"]
    t = ibis.memtable(pd.DataFrame({"p": vals}))
    bad = ibis.duckdb.connect().execute(t.mutate(bad=phone_invalid_expr(t.p)))["bad"].tolist()
    assert bad == [not phone_is_valid(v) for v in vals]
    assert sum(bad) == 8  # a second count of the list above, by hand


def test_fold_company_examples():
    k = fold_company("明达科技（杭州）有限公司")
    assert (k.place, k.core, k.head) == ("杭州", "明达科技", "明达")
    assert fold_company("浙江省杭州市明达科技有限公司").place == "杭州"  # city over province
    assert fold_company("ＡＢＣ科技有限公司").core == "abc科技"
    assert fold_company("Acme Group Co., Ltd.").core == "acme"
    assert fold_company("Zinc Ltd").core == "zinc"  # "inc" only as a word
    assert fold_company("有限公司").core == "有限公司"  # never emptied
    custom = fold_company("Acme Holdings", legal_suffixes=["holdings"])
    assert custom.core == "acme"
    assert fold_company(None) is None


def test_tricky_negatives_do_not_match():
    for a, b in [("北京华为", "上海华为"), ("华为技术", "华为终端"), ("Acme Inc.", "Acme Labs Inc.")]:
        assert not match_names(a, b)[0], (a, b)
    assert match_names("北京华为", "上海华为")[1] == 1.0  # same core: only the city differs
    assert match_names("Acme Co., Ltd.", "ACME co ltd") == (True, 1.0)


def test_name_matcher_precision_and_recall_on_labelled_pairs():
    """The labelled set (built by hand) holds 39 duplicates and 30 tricky non-duplicates.

    Floors: precision 0.95, because a false match would merge two companies (every negative
    of the set is a trap aimed at the matcher: same brand in another city, same prefix in
    another trade, one word more); recall 0.85, because the set includes positives a string
    matcher cannot know (abbreviations, a traditional character, singular vs plural) and
    those are left to phone and e-mail. Measured: precision 1.00 (35/35), recall 0.897
    (35/39).
    """
    d = pd.read_csv(LABELLED)
    assert len(d) >= 40 and set(d["label"]) == {0, 1}
    assert d["name_a"].str.contains(r"[\u4e00-\u9fff]").any()
    assert d["name_a"].str.match(r"^[A-Za-z]").any()
    pred = np.array([match_names(a, b)[0] for a, b in zip(d["name_a"], d["name_b"],
                                                          strict=True)])
    truth = d["label"].to_numpy() == 1
    tp = int((pred & truth).sum())
    precision, recall = tp / pred.sum(), tp / truth.sum()
    assert precision >= 0.95, d[pred & ~truth]
    assert recall >= 0.85, d[~pred & truth]


def test_vectorised_matcher_agrees_with_match_names():
    d = pd.read_csv(LABELLED)
    for a, b in zip(d["name_a"], d["name_b"], strict=True):
        recs = pd.DataFrame({"id": ["a", "b"], "name": [a, b]})
        found = quality.find_duplicates(recs)
        assert (len(found) == 1) == match_names(a, b)[0], (a, b)


# -- duplicates ----------------------------------------------------------------------------------
def test_phone_and_email_duplicates_with_formatting_variants():
    recs = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e", "f"],
        "name": ["杭州明达科技有限公司", "明达科技（杭州）", "宁波华泰物流", "Acme Trading Ltd.",
                 "Beta Consulting", "宁波华泰物流有限公司"],
        "phone": ["+86 138-0013-8000", "13800138000", "13800138000", None, None, None],
        "email": [None, None, None, " Zhang.Wei@Acme.com", "zhang.wei@acme.com", None]})
    out = quality.find_duplicates(recs)
    got = {(r.id_a, r.id_b): r.rule for r in out.itertuples()}
    # a~b phone and name; a~c same phone but 杭州 vs 宁波: conflicting names, no pair;
    # b~c likewise; d~e a personal address is evidence enough; c~f by name only
    assert got == {("a", "b"): "phone+name", ("d", "e"): "email", ("c", "f"): "name"}
    assert out.attrs["rejected_keys"] == 2
    row = out.set_index(["id_a", "id_b"]).loc[("a", "b")]
    assert row["phone"] == "13800138000" and row["score"] == 1.0
    assert "13800138000" not in row["evidence"]  # no personal data in the evidence


def test_role_mailbox_alone_is_not_a_duplicate():
    recs = pd.DataFrame({"id": ["a", "b", "c"],
                         "name": ["Northgate Software Ltd.", "Northgate Logistics Inc.",
                                  "Northgate Software Co., Ltd."],
                         "email": ["info@northgate.com"] * 3})
    out = quality.find_duplicates(recs)
    assert list(zip(out["id_a"], out["id_b"], out["rule"], strict=True)) == [("a", "c", "email+name")]


def test_placeholder_phone_is_skipped_with_a_warning():
    n = 11
    recs = pd.DataFrame({"id": [f"r{i:02d}" for i in range(n)],
                         "name": [f"公司{chr(0x4e00 + 37 * i)}{chr(0x4e00 + 91 * i)}" for i in
                                  range(n)], "phone": ["13800000000"] * n})
    with pytest.warns(UserWarning, match="placeholders"):
        out = quality.find_duplicates(recs)
    assert out.empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(quality.find_duplicates(recs, duplicate_config={"max_group": 20})) == 55


def test_duplicate_pairs_customers_and_contacts(qcrm):
    cust = quality.duplicate_pairs(qcrm)
    # c5 北京华为 is deleted: it cannot pair with c6; c3 Acme vs c4 Acme Labs do not match
    assert list(zip(cust["id_a"], cust["id_b"], cust["rule"], strict=True)) == [("c1", "c2", "phone+name")]
    assert cust.attrs["records"] == 5
    cont = quality.duplicate_pairs(qcrm, table="contacts")
    # x1 ~ x2 same folded name at c1; x1 ~ x3 same phone and e-mail (x3 is at c2, so names
    # are not a rule between them); x2 and x3 share only a name, at different customers
    assert list(zip(cont["id_a"], cont["id_b"], cont["rule"], strict=True)) == [
        ("x1", "x2", "name"), ("x1", "x3", "phone+email")]
    assert list(cont.columns) == quality.PAIR_COLUMNS
    both = quality.all_duplicates(qcrm)
    assert len(both) == 3 and both.attrs["threshold"] == 0.8
    east_only = Scope("team", "east", ("e3",))
    assert quality.duplicate_pairs(qcrm, scope=east_only).empty
    with pytest.raises(ParamsError, match="customers or contacts"):
        quality.duplicate_pairs(qcrm, table="leads")


def test_clusters_and_suggested_merges(qcrm_both):
    qcrm = qcrm_both  # the ids reach the engine as a table: DuckDB and PostgreSQL
    pairs = pd.DataFrame({"table": ["customers"] * 2 + ["contacts"],
                          "id_a": ["c1", "c2", "x1"], "id_b": ["c2", "c6", "x2"],
                          "rule": ["phone+name", "name", "name"], "score": [1.0, 0.9, 1.0]})
    cl = quality.duplicate_clusters(pairs)
    assert cl.to_dict("list") == {"table": ["contacts", "contacts", "customers", "customers",
                                            "customers"],
                                  "cluster_id": ["x1", "x1", "c1", "c1", "c1"],
                                  "id": ["x1", "x2", "c1", "c2", "c6"], "size": [2, 2, 3, 3, 3]}
    m = quality.suggested_merges(qcrm, pairs)
    # c2 has 2 effective contracts, c1 one (k4 is void), c6 none: keep c2 although c1 is older
    assert list(zip(m["keep_id"], m["merge_id"], m["rule"], strict=True)) == [
        ("c2", "c1", "phone+name"), ("c2", "c6", "name")]
    assert m["keep_contracts"].tolist() == [2, 2] and m["merge_contracts"].tolist() == [1, 0]
    # equal contracts: the older one is kept
    tie = quality.suggested_merges(qcrm, pairs[pairs["id_b"] == "c6"].assign(id_a="c3",
                                                                             id_b="c6"))
    assert (tie["keep_id"].tolist(), tie["merge_id"].tolist()) == (["c3"], ["c6"])


# -- checks (DuckDB and PostgreSQL) --------------------------------------------------------------
def test_missing_fields(qcrm_both):
    df = quality.missing_fields(qcrm_both)
    assert list(df.columns) == quality.ISSUE_COLUMNS and set(df["check"]) == {"missing"}
    found = {k: v for k, v in _rows(df).items() if v}
    assert found == {
        ("employees", "department", "empty"): 1, ("customers", "industry", "empty"): 1,
        ("customers", "source", "empty"): 1, ("customers", "email", "empty"): 1,
        ("contacts", "title", "empty"): 1, ("contacts", "phone", "empty"): 1,
        ("contacts", "email", "empty"): 1, ("opportunities", "amount", "empty"): 1,
        ("products", "category", "empty"): 1, ("products", "list_price", "empty"): 1,
        ("contracts", "start_at", "empty"): 4, ("contracts", "end_at", "empty"): 4,
        ("payments", "method", "empty"): 1, ("activities", "channel", "empty"): 1}
    ind = df[(df["table"] == "customers") & (df["column"] == "industry")].iloc[0]
    assert (ind["total"], ind["share"], ind["sample_ids"]) == (5, 0.2, "c2")
    assert df.loc[(df["table"] == "contracts") & (df["column"] == "end_at"),
                  "sample_ids"].item() == "k2, k4, k5, k6"


def test_invalid_values(qcrm_both):
    df = quality.invalid_values(qcrm_both, as_of=AS_OF)
    found = {k: v for k, v in _rows(df).items() if v}
    assert found == {("customers", "email", "email"): 1, ("customers", "phone", "phone"): 1,
                     ("customers", "created_at", "future"): 1,
                     ("contracts", "end_at", "order"): 1, ("activities", "at", "future"): 1}
    assert df.attrs["as_of"] == pd.Timestamp(AS_OF)
    by = df.set_index(["table", "column", "rule"])["sample_ids"]
    assert by[("customers", "email", "email")] == "c3"
    assert by[("customers", "created_at", "future")] == "c4"
    assert by[("contracts", "end_at", "order")] == "k3"
    # a later report day: c4 and a2 are no longer in the future
    later = quality.invalid_values(qcrm_both, as_of="2024-07-15")
    assert _rows(later, rule="future")[("customers", "created_at", "future")] == 0


def test_orphans(qcrm_both):
    df = quality.orphans(qcrm_both)
    found = {k: v for k, v in _rows(df).items() if v}
    # k6 points to the deleted customer c5: the row exists, so it is no orphan
    assert found == {("contacts", "customer_id", "unknown_customers"): 1,
                     ("contracts", "customer_id", "unknown_customers"): 1,
                     ("contract_lines", "contract_id", "unknown_contracts"): 1,
                     ("contract_lines", "product_id", "unknown_products"): 1,
                     ("payments", "contract_id", "unknown_contracts"): 1,
                     ("activities", "customer_id", "unknown_customers"): 1}
    by = df.set_index(["table", "column", "rule"])["sample_ids"]
    assert by[("contract_lines", "product_id", "unknown_products")] == "k2"
    assert by[("activities", "customer_id", "unknown_customers")] == "a3"


def test_stale_records(qcrm_both):
    df = quality.stale_records(qcrm_both, as_of=AS_OF)
    assert _rows(df) == {("customers", "last_followup_at", "no_touch"): 1,
                         ("opportunities", "expected_close_at", "past_close"): 1}
    assert df["sample_ids"].tolist() == ["c3", "o1"] and df["total"].tolist() == [5, 3]
    # 30 days: c2 (activity 2024-06-20) and c1 (followed up 2024-06-01) stay fresh; c6,
    # created 2024-05-01, is stale now, and c3
    short = quality.stale_records(qcrm_both, as_of=AS_OF, stale_days=30)
    assert short["sample_ids"].iloc[0] == "c3, c6"
    with pytest.raises(ParamsError, match="stale_days"):
        quality.stale_records(qcrm_both, stale_days=0)


def test_scope_keeps_owned_rows(qcrm):
    east = Scope("team", "east", ("e1", "e2"))
    df = quality.all_issues(qcrm, as_of=AS_OF, scope=east)
    assert "employees" not in set(df["table"]) and "products" not in set(df["table"])
    cust = df[df["table"] == "customers"]
    assert set(cust["total"]) == {2}  # c1, c2
    assert _rows(cust, rule="email") == {("customers", "email", "email"): 0}  # c3 is e3's
    with pytest.raises(ParamsError, match="as_of"):
        quality.invalid_values(qcrm, as_of="yesterday-ish")


def test_scores_per_table_and_owner(qcrm_both):
    s = quality.quality_scores(qcrm_both, as_of=AS_OF).set_index("table")
    expected = {  # table: (rows, failing), worked out in the comments of quality_frames
        "employees": (3, 1), "customers": (5, 4), "contacts": (4, 3),
        "pipeline_stages": (4, 0), "opportunities": (3, 2), "products": (2, 1),
        "contracts": (6, 5), "contract_lines": (3, 2), "payments": (2, 1),
        "activities": (3, 2)}
    assert {k: (int(r.rows), int(r.failing)) for k, r in s.iterrows()} == expected
    assert s.loc["customers", "score"] == pytest.approx(20.0)
    assert s.loc["contracts", "score"] == pytest.approx(100 / 6)
    o = quality.quality_scores(qcrm_both, by="owner", as_of=AS_OF)
    assert o["owner_id"].tolist() == ["e3", "e2", "e1", None]
    assert list(zip(o["rows"], o["failing"], strict=True)) == [(2, 2), (8, 7), (13, 8), (3, 2)]
    assert o["score"].tolist() == pytest.approx([0.0, 12.5, 500 / 13, 100 / 3])
    assert o["name"].tolist()[:3] == ["Ann Lee", "李娜", "王伟"]
    # without duplicates the merged-away c1 and the contacts x2, x3 ... x2 still lacks fields
    none = quality.quality_scores(qcrm_both, as_of=AS_OF,
                                  duplicates=pd.DataFrame(columns=quality.PAIR_COLUMNS))
    assert none.set_index("table").loc[["customers", "contacts"], "failing"].tolist() == [3, 2]
    with pytest.raises(ParamsError, match="by"):
        quality.quality_scores(qcrm_both, by="team")


def test_import_rejects(tmp_path):
    from helpers import CUSTOMERS, EMPLOYEES, PRODUCTS

    from crmlib.data.importer import import_files

    d = tmp_path / "exports"
    d.mkdir()
    contracts = ("contract_id,customer_id,owner_id,signed_at,amount\n"
                 "K1,C1,E1,2024-03-01,100\nK2,C2,E2,2024-03-02,-5\nK3,C9,E1,2024-03-03,7\n"
                 "K4,C1,E1,yesterday,8\nK5,C1,E1,2024-03-05,\n")
    for name, text in [("employees.csv", EMPLOYEES), ("customers.csv", CUSTOMERS),
                       ("products.csv", PRODUCTS), ("contracts.csv", contracts)]:
        (d / name).write_text(text, encoding="utf-8")
    db = tmp_path / "r.duckdb"
    import_files([d], "canonical", into=db, progress=False)
    with connect(db) as crm:
        r = quality.import_rejects(crm)
        sample = quality.reject_sample(crm, n=2)
    assert r.attrs["available"]
    assert {(x.table, x.column, x.rule): x.rows for x in r.itertuples()} == {
        ("contracts", "amount", "below_min"): 1, ("contracts", "customer_id",
                                                  "unknown_reference"): 1,
        ("contracts", "signed_at", "not_a_value"): 1, ("contracts", "amount", "empty"): 1}
    assert set(r["total"]) == {5}  # 4 rejected + 1 loaded
    assert r.loc[r["rule"] == "below_min", "sample_ids"].item() == "contracts.csv:2"
    assert sample["row_number"].tolist() == [2, 3]
    frames = quality_frames()
    with from_frames(frames) as crm:
        assert not quality.import_rejects(crm).attrs["available"]


# -- `crm quality` on the test demo -------------------------------------------------------------
def _planted(seed: int, lines: int) -> set[tuple[str, str]]:
    """The demo's planted near-duplicate pairs, by re-running its customer builder.

    The generator does not store which customer duplicates which: it draws the duplicates'
    sources as its first draw in ``near_duplicates``, so a copy of the random stream there gives
    them; their ids follow from the creation order (as in ``customers()``).
    """
    from crmlib.demo import customers as cu
    from crmlib.demo import org
    from crmlib.demo.common import ids, stream

    rec = {}
    real = cu.near_duplicates

    def spy(rng, c):
        rec["src"] = np.flatnonzero(copy.deepcopy(rng).random(c.n) < cu.DUPLICATE_SHARE)
        d = real(rng, c)
        rec["created"], rec["n"] = np.concatenate([c.created, d.created]), c.n
        return d

    cu.near_duplicates = spy
    try:
        cu.customers(stream(seed, "customers"), lines, org.staff(stream(seed, "staff"), lines))
    finally:
        cu.near_duplicates = real
    order = np.argsort(rec["created"], kind="stable")
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    every = ids("C", len(order))
    a, b = every[pos[rec["src"]]], every[pos[rec["n"] + np.arange(len(rec["src"]))]]
    return {(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)}


def test_finds_the_demo_planted_duplicates(demo_crm):
    """Measured on the test demo (20k lines, seed 0): 38 planted pairs, 36 with both
    customers live; all 36 found (recall 1.0); 41 pairs found in all, the other 5 being
    demo customers whose names fold to the same company (e.g. 石家庄瑞新新材料有限公司 and
    石家庄瑞新新材料集团有限公司), which the generator never compares."""
    meta = demo_crm.meta
    planted = _planted(int(meta["seed"]), int(meta["lines"]))
    status = demo_crm.table("customers").select("customer_id", "status").execute()
    deleted = set(status.loc[status["status"] == "deleted", "customer_id"])
    live = {p for p in planted if not set(p) & deleted}
    pairs = quality.duplicate_pairs(demo_crm)
    found = set(zip(pairs["id_a"], pairs["id_b"], strict=True))
    assert len(planted) >= 30
    assert len(live & found) / len(live) >= 0.95
    assert not (planted - live) & found  # deleted customers are never paired
    assert len(live & found) / len(found) >= 0.8  # few pairs beyond the planted ones
    merges = quality.suggested_merges(demo_crm, pairs)
    assert (merges["keep_contracts"] >= merges["merge_contracts"]).all()


def test_crm_quality_command(demo_crm, tmp_path, capsys):
    out = tmp_path / "q"
    assert main(["quality", "--out", str(out), "--as-of", "2026-10-31"]) == 0
    text = capsys.readouterr().out
    assert "Quality score per table" in text and "suggested customer merges" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(quality.OVERVIEW_FILES.values())
    merges = pd.read_csv(out / "suggested_merges.csv", encoding="utf-8-sig")
    assert {"keep_id", "merge_id"} <= set(merges.columns) and len(merges) >= 30
    dups = pd.read_csv(out / "duplicates.csv", encoding="utf-8-sig", dtype=str)
    assert dups["phone"].dropna().str.contains(r"\*\*\*\*").all()  # masked
    scores = pd.read_csv(out / "scores_by_table.csv", encoding="utf-8-sig")
    assert scores["score"].between(0, 100).all()
    # a second run replaces the first output, leaving nothing else behind
    assert main(["quality", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q"]
    assert main(["quality", "--as-of", "not-a-date", "--out", str(tmp_path / "x")]) == 2
    assert "as_of" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_csvs_are_written_atomically(tmp_path, monkeypatch):
    from crmlib.cli import write_quality_csvs

    with from_frames(quality_frames()) as crm:
        frames = quality.quality_overview(crm, as_of=AS_OF)
    real = pd.DataFrame.to_csv
    calls = []

    def failing(self, path, *a, **kw):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    out = tmp_path / "q"
    with pytest.raises(OSError, match="disk full"):
        write_quality_csvs(frames, out)
    assert not out.exists() and os.listdir(tmp_path) == []  # no folder, no temporary left
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    write_quality_csvs(frames, out)
    before = (out / "scores_by_table.csv").read_bytes()
    calls.clear()
    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError):
        write_quality_csvs(frames, out)  # a failed rewrite leaves the earlier output intact
    assert (out / "scores_by_table.csv").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["q"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)
    from crmlib.exceptions import CRMError

    with pytest.raises(CRMError, match="other files"):
        write_quality_csvs(frames, tmp_path / "other")


def test_overview_summary_text():
    with from_frames(quality_frames()) as crm:
        frames = quality.quality_overview(crm, as_of=AS_OF)
    text = quality.summary_text(frames)
    assert "1 customer pairs in 1 clusters, 2 contact pairs in 1 clusters" in text
    assert "1 suggested customer merges" in text
    assert frames["suggested_merges"]["merge_id"].tolist() == ["c1"]


# -- display -------------------------------------------------------------------------------------
def test_tables_mask_personal_data_and_use_labels():
    from crmlib.plots import quality as qplots

    with from_frames(quality_frames()) as crm:
        pairs = quality.all_duplicates(crm)
        stale = quality.stale_records(crm, as_of=AS_OF)
    shown = repr(qplots.duplicates_table(pairs, "en", top=2))
    assert "139****1111" in shown and "z***@mingda.com" in shown and "13900001111" not in shown
    assert "… and 1 more pairs" in shown
    assert "13900001111" in repr(qplots.duplicates_table(pairs, "en", mask=False))
    zh = repr(qplots.issues_table(stale, "zh", days=180))
    assert "超过 180 天无跟进" in zh and "客户" in zh
    assert qplots.rule_label("unknown_customers", "zh") == "客户 中不存在"
    assert repr(qplots.issues_table(stale.assign(rows=0), "en")) == "No issues found."


def test_oversized_name_blocks_use_a_sorted_neighbourhood():
    # one block "华为" of 5 records; in core order: d 华为云计算, a b e 华为技术, c 华为终端
    recs = pd.DataFrame({"id": list("abcde"), "name": [
        "华为技术有限公司", "华为技术股份有限公司", "华为终端有限公司", "华为云计算有限公司",
        "华为技术有限公司"]})
    full = quality.find_duplicates(recs)
    assert full[["id_a", "id_b"]].values.tolist() == [["a", "b"], ["a", "e"], ["b", "e"]]
    assert full.attrs["candidates"] == 10 and full.attrs["neighbourhood"] == 0
    # blocks above 3 records: each with the 1 next in core order: d-a, a-b, b-e, e-c
    with pytest.warns(UserWarning, match="5 records are in name blocks of more than 3"):
        near = quality.find_duplicates(recs, duplicate_config={"max_block": 3, "window": 1})
    assert near[["id_a", "id_b"]].values.tolist() == [["a", "b"], ["b", "e"]]  # a-e missed
    assert near.attrs["candidates"] == 4 and near.attrs["neighbourhood"] == 5
    # scoring one candidate pair at a time changes nothing
    one = quality.find_duplicates(recs, duplicate_config={"pair_chunk": 1})
    pd.testing.assert_frame_equal(one, full)
    assert one.attrs == full.attrs
