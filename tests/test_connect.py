"""connect(): the data contract on connect, derived columns, sources, both backends."""

from __future__ import annotations

import pandas as pd
import pytest

import crmlib
from crmlib.data.connect import CRM, stage_outcome
from crmlib.data.schema import TABLES
from crmlib.exceptions import CRMDataError, CRMError


def test_tables_are_canonical(tiny):
    crm = crmlib.connect(tiny)
    for name, t in crm.tables().items():
        assert t.columns == tuple(TABLES[name].names), name
    c = crm.table("contracts").execute()
    assert c["amount"].dtype == "float64"
    assert str(crm.table("contracts").schema()["signed_at"]).startswith("!timestamp") or \
        crm.table("contracts").schema()["signed_at"].is_timestamp()


def test_dealt_at_derived_from_first_effective_contract(tiny):
    cust = crmlib.connect(tiny).table("customers").execute().set_index("customer_id")
    assert cust.loc["c1", "dealt_at"] == pd.Timestamp("2024-02-01")  # k2, not void k4
    assert pd.isna(cust.loc["c2", "dealt_at"])  # only a void contract
    assert cust.loc["c3", "dealt_at"] == pd.Timestamp("2024-03-15")


def test_outcome_derived_from_stage_table_then_name(tiny):
    opp = crmlib.connect(tiny).table("opportunities").execute().set_index("opportunity_id")
    # o1 "Won": outcome empty in pipeline_stages -> by name; o2 "Lost": from the table.
    assert opp["outcome"].to_dict() == {"o1": "won", "o2": "lost", "o3": "open"}


def test_given_derived_columns_are_kept(backend):
    from helpers import tiny_frames

    from crmlib.data import store

    frames = tiny_frames()
    frames["customers"]["dealt_at"] = ["2020-01-01", None, None]
    frames["opportunities"]["outcome"] = ["lost", "lost", "invalid"]
    for name, df in frames.items():
        store.upsert(backend, name, df)
    crm = crmlib.connect(backend)
    cust = crm.table("customers").execute().set_index("customer_id")
    assert cust.loc["c1", "dealt_at"] == pd.Timestamp("2020-01-01")
    opp = crm.table("opportunities").execute().set_index("opportunity_id")
    assert opp["outcome"].tolist() == ["lost", "lost", "invalid"]


def test_aggregates_equal_hand_computed(tiny):
    c = crmlib.connect(tiny).table("contracts")
    eff = c.filter(c.status == "approved")
    assert eff.amount.sum().execute() == pytest.approx(380.5)
    by_owner = eff.group_by("owner_id").aggregate(amount=eff.amount.sum()).execute()
    assert dict(zip(by_owner.owner_id, by_owner.amount, strict=True)) == {"e1": 350.5,
                                                                          "e3": 30.0}


def test_backends_agree(pg_url):
    """The same data through DuckDB and PostgreSQL gives identical canonical tables."""
    import ibis
    from helpers import fresh_pg, load_tiny

    duck = ibis.duckdb.connect()
    load_tiny(duck)
    pg = fresh_pg(pg_url)
    load_tiny(pg)
    a, b = crmlib.connect(duck), crmlib.connect(pg)
    for name in a.tables():
        key = list(TABLES[name].key)
        x = a.table(name).execute().sort_values(key).reset_index(drop=True)
        y = b.table(name).execute().sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(x, y, check_dtype=False, obj=name)


def test_missing_required_table_and_columns_all_reported_at_once(backend):
    backend.raw_sql("CREATE TABLE customers (customer_id VARCHAR, nmae VARCHAR)")
    backend.raw_sql("CREATE TABLE contracts (contract_id VARCHAR, customer_id INTEGER, "
                    "owner_id VARCHAR, sign_at DATE, amount VARCHAR)")
    backend.raw_sql("CREATE TABLE employes (employee_id VARCHAR)")
    with pytest.raises(CRMDataError) as e:
        crmlib.connect(backend)
    msg = str(e.value)
    assert "required table `employees` is missing; did you mean `employes`?" in msg
    assert "customers: required column `name` is missing; did you mean `nmae`?" in msg
    assert "customers: required column `created_at` is missing" in msg
    assert "contracts: required column `signed_at` is missing; did you mean `sign_at`?" in msg
    assert "contracts.customer_id holds int32 values; expected text" in msg
    assert "contracts.amount holds string values; expected number" in msg
    assert len(e.value.problems) == 6


def test_absent_optional_table(backend):
    from helpers import tiny_frames

    from crmlib.data import store

    for name in ("employees", "customers", "contracts"):
        store.upsert(backend, name, tiny_frames()[name])
    crm = crmlib.connect(backend)
    assert not crm.has("payments")
    with pytest.raises(CRMDataError, match="has no `payments` table. It is optional"):
        crm.table("payments")
    with pytest.raises(CRMError, match="did you mean `contracts`"):
        crm.table("contrcts")
    # without pipeline_stages the outcome comes from stage names
    store.upsert(backend, "opportunities", tiny_frames()["opportunities"])
    crm = crmlib.connect(backend)
    assert sorted(crm.table("opportunities").execute().outcome) == ["lost", "open", "won"]


def test_compatible_types_are_cast(backend):
    backend.raw_sql("CREATE TABLE employees (employee_id VARCHAR, name VARCHAR, team VARCHAR)")
    backend.raw_sql("CREATE TABLE customers (customer_id VARCHAR, name VARCHAR, created_at DATE)")
    backend.raw_sql("CREATE TABLE contracts (contract_id VARCHAR, customer_id VARCHAR, "
                    "owner_id VARCHAR, signed_at DATE, amount DECIMAL(12,2))")
    backend.raw_sql("INSERT INTO contracts VALUES ('k', 'c', 'e', DATE '2024-01-02', 12.34)")
    c = crmlib.connect(backend).table("contracts")
    assert c.schema()["amount"].is_float64() and c.schema()["signed_at"].is_timestamp()
    assert c.amount.sum().execute() == pytest.approx(12.34)


def test_stage_outcome_names():
    assert [stage_outcome(s) for s in ["Won", " closed lost ", "赢单", "无效", "Engaging", None]] \
        == ["won", "lost", "won", "invalid", "open", "open"]


@pytest.mark.parametrize("source, message", [
    ("mysql://u@h/db", "unknown source scheme `mysql://`"),
    ("/nonexistent/crm.duckdb", "does not exist"),
    ("duckdb:///nonexistent/x.duckdb'; DROP TABLE contracts; --", "does not exist"),
    ("postgresql://u:secret@127.0.0.1:1/db?options=-c%20statement_timeout%3D1",
     r"unknown option\(s\) \['options'\]"),
])
def test_bad_sources(source, message):
    with pytest.raises(CRMError, match=message) as e:
        crmlib.connect(source)
    assert "secret" not in str(e.value)


def test_postgres_unreachable_is_clear():
    with pytest.raises(CRMError, match=r"cannot connect to postgresql://u:\*\*\*@127.0.0.1:1/db"):
        crmlib.connect("postgresql://u:pw@127.0.0.1:1/db?connect_timeout=2")


def test_duckdb_url_and_path(tmp_path):
    import ibis
    from helpers import load_tiny

    path = tmp_path / "t.duckdb"
    con = ibis.duckdb.connect(str(path))
    load_tiny(con)
    con.disconnect()
    for src in (path, str(path), f"duckdb://{path}"):
        with crmlib.connect(src) as crm:
            assert crm.table("customers").count().execute() == 3
            assert str(path) in crm.description
    summary = crmlib.connect(path).summary().set_index("table")
    assert summary.loc["contracts", "rows"] == 5
    assert summary.loc["contracts", "first"] == pd.Timestamp("2024-01-20")


def test_connect_passes_crm_through(tiny):
    crm = crmlib.connect(tiny)
    assert crmlib.connect(crm) is crm and isinstance(crm, CRM)


def test_last_event_date(tiny):
    # latest: contract k3 signed 2024-04-01 (void contracts are events too)
    assert crmlib.connect(tiny).last_event_date() == pd.Timestamp("2024-04-01")


def test_folder_source_with_mapping(tmp_path):
    from helpers import CUSTOMERS, EMPLOYEES

    (tmp_path / "employees.csv").write_text(EMPLOYEES)
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "contracts.csv").write_text(
        "contract_id,customer_id,owner_id,signed_at,amount\nK1,C1,E1,2024-03-01,10\n"
        "K2,C2,E2,2024-03-02,-1\n")
    crm = crmlib.connect(tmp_path, mapping="canonical")
    assert "mapping canonical" in crm.description
    assert crm.table("contracts").amount.sum().execute() == 10
    assert crm.backend.table("rejects").count().execute() == 1  # K2 kept as a reject
    cust = crm.table("customers").execute().set_index("customer_id")
    assert cust.loc["C1", "dealt_at"] == pd.Timestamp("2024-03-01")  # derived on connect
