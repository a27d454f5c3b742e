"""import_files(): readers, validation, rejects and re-imports on tiny hand-made files."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from helpers import CUSTOMERS, EMPLOYEES, PRODUCTS

from crmlib.data.importer import import_files
from crmlib.data.readers import read_file
from crmlib.data.validate import validate
from crmlib.exceptions import CRMDataError


@pytest.fixture
def con():
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def base(folder):
    """Employees E1, E2; customers C1, C2; products P1, P2."""
    write(folder, "employees.csv", EMPLOYEES)
    write(folder, "customers.csv", CUSTOMERS)
    write(folder, "products.csv", PRODUCTS)
    return folder


def run(paths, con, mapping="canonical"):
    r = import_files(paths, mapping, into=con, progress=False)
    for t in r.tables:  # the accounting rule, on every import of this file
        assert t.accepted + t.rejected == t.rows, t
    assert r.rejected == len(r.rejects)
    return r


def rejects_of(r, table):
    return r.rejects[r.rejects["table_name"] == table].set_index("row_number")


def count(con, table):
    return con.table(table).count().execute()


# -- hand-computed expectations ------------------------------------------------------------------

def test_five_contracts_two_bad(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv",
          "contract_id,customer_id,owner_id,signed_at,amount,status\n"
          "K1,C1,E1,2024-03-01,\"1,234.50\",approved\n"
          "K2,C1,E1,2024/03/02,abc,approved\n"
          "K3,C2,E2,3/4/2024,100,Approved\n"
          "K4,C2,E2,2024-03-05,-5,void\n"
          "K5,C1,E2,45366,0.25,pending\n")
    r = run([tmp_path], con)
    t = r.table("contracts")
    assert (t.rows, t.accepted, t.rejected) == (5, 3, 2)
    got = con.table("contracts").execute().set_index("contract_id").sort_index()
    assert got["amount"].to_dict() == {"K1": 1234.5, "K3": 100.0, "K5": 0.25}
    assert got["signed_at"].to_dict() == {
        "K1": pd.Timestamp("2024-03-01"), "K3": pd.Timestamp("2024-03-04"),
        "K5": pd.Timestamp("2024-03-15")}  # 45366 = an Excel day number
    assert got.loc["K3", "status"] == "approved"  # allowed values compare in lower case
    rej = rejects_of(r, "contracts")
    assert rej.loc[2, "reason"] == "`amount` `abc` is not a number"
    assert (rej.loc[2, "column_name"], rej.loc[2, "value"]) == ("amount", "abc")
    assert rej.loc[4, "reason"] == "`amount` `-5` is negative"
    assert set(rej["source_file"]) == {"contracts.csv"}
    assert "2 rows rejected; see the `rejects` table" in r.summary()
    assert "contracts.csv row 2 (contracts): `amount` `abc` is not a number." in r.summary()
    assert count(con, "rejects") == 2


# -- whole-table failures: a clear message, nothing written -------------------------------------

def test_missing_required_column(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at\nK1,C1,E1,2024-01-01\n")
    with pytest.raises(CRMDataError, match=r"contracts\.csv header: no column `amount` for "
                                           r"required contracts\.amount\.") as exc:
        run([tmp_path], con)
    assert "Nothing was imported" in str(exc.value)
    assert "contracts" not in con.list_tables() and "customers" not in con.list_tables()


def test_misspelled_column_did_you_mean(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv",
          "contract_id,customer_id,owner_id,signed_at,amont,edn_at\nK1,C1,E1,2024-01-01,5,\n")
    with pytest.raises(CRMDataError) as exc:
        run([tmp_path], con)
    problems = exc.value.problems
    assert any("contracts.csv header: no column `amount`" in p and "did you mean `amont`?" in p
               for p in problems)
    assert any("unknown column `edn_at`; did you mean `end_at`?" in p for p in problems)
    assert con.list_tables() == []


def test_mapping_column_missing_from_file_lists_all(tmp_path, con):
    src = write(tmp_path, "deals.csv", "id,agent,stage,clse_date,valu\nD1,E1,Won,2024-01-01,5\n")
    mapping = write(tmp_path, "deals.yaml", """
tables:
  opportunities:
    file: deals.csv
    columns: {opportunity_id: id, owner_id: agent, stage: stage, closed_at: close_date,
              amount: value}
""")
    with pytest.raises(CRMDataError) as exc:
        run([src], con, mapping)
    msg = str(exc.value)
    assert "deals.csv header: no column `close_date` (the mapping reads it for " \
           "opportunities.closed_at); did you mean `clse_date`?" in msg
    assert "no column `value`" in msg and "did you mean `valu`?" in msg
    assert len(exc.value.problems) == 2


def test_empty_file(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "")
    with pytest.raises(CRMDataError, match=r"contracts\.csv: the file is empty \(0 bytes\)"):
        run([tmp_path], con)
    assert con.list_tables() == []


def test_row_with_too_many_fields(tmp_path, con):
    write(tmp_path, "employees.csv", "employee_id,name,team\nE1,Ann,east\nE2,Bob,west,extra\n")
    with pytest.raises(CRMDataError, match=r"employees\.csv row 2: 4 fields where the header "
                                           r"has 3"):
        run([tmp_path], con)


def test_file_matching_no_table(tmp_path, con):
    f = write(tmp_path, "contrcts.csv", "contract_id\nK1\n")
    with pytest.raises(CRMDataError, match=r"contrcts\.csv: no table of mapping `canonical` "
                                           r"reads this file; did you mean `contracts"):
        run([f], con)


def test_header_only_file_reads_zero_rows(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n")
    r = run([tmp_path], con)
    t = r.table("contracts")
    assert (t.source_rows, t.rows, t.accepted, t.rejected) == (0, 0, 0, 0)
    assert count(con, "contracts") == 0


# -- row-level rejects: file, column, row and reason ---------------------------------------------

def test_end_before_start(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv",
          "contract_id,customer_id,owner_id,signed_at,amount,start_at,end_at\n"
          "K1,C1,E1,2024-01-01,5,2024-01-01,2024-12-31\n"
          "K2,C1,E1,2024-01-01,5,2024-02-10,2024-01-03\n")
    r = run([tmp_path], con)
    rej = rejects_of(r, "contracts")
    assert list(rej.index) == [2]
    assert rej.loc[2, "column_name"] == "end_at"
    assert rej.loc[2, "reason"] == "`end_at` 2024-01-03 is before `start_at` 2024-02-10"


def test_duplicate_id(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv",
          "contract_id,customer_id,owner_id,signed_at,amount\n"
          "K1,C1,E1,2024-01-01,5\nK2,C1,E1,2024-01-01,6\nK1,C2,E2,2024-01-02,7\n")
    r = run([tmp_path], con)
    rej = rejects_of(r, "contracts")
    assert rej.loc[3, "reason"] == "duplicate contract_id `K1` in `contract_id`, first seen at row 1"
    assert con.table("contracts").execute().set_index("contract_id")["amount"].to_dict() == {
        "K1": 5.0, "K2": 6.0}


def test_unknown_stage_lists_valid_stages(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "pipeline_stages.csv", "pipeline,stage,stage_order\ndefault,Lead,1\n"
                                           "default,Won,2\ndefault,Lost,3\n")
    write(tmp_path, "opportunities.csv", "opportunity_id,owner_id,stage\nO1,E1,Won\nO2,E1,Closing\n")
    r = run([tmp_path], con)
    rej = rejects_of(r, "opportunities")
    assert rej.loc[2, "column_name"] == "stage"
    assert rej.loc[2, "reason"] == ("unknown stage `Closing` in `stage`; pipeline `default` has "
                                    "Lead, Won, Lost")
    assert r.table("opportunities").accepted == 1


def test_unknown_customer_and_product(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-01-01,5\nK2,C9,E1,2024-01-01,5\n")
    write(tmp_path, "contract_lines.csv", "contract_id,product_id,quantity,amount,line_no\n"
                                          "K1,P1,1,5,1\nK1,P9,1,5,2\nK2,P1,1,5,1\n")
    r = run([tmp_path], con)
    assert rejects_of(r, "contracts").loc[2, "reason"] == "unknown customer_id `C9`"
    lines = rejects_of(r, "contract_lines")
    assert lines.loc[2, "reason"] == "unknown product_id `P9`"
    assert lines.loc[3, "reason"] == "unknown contract_id `K2`"  # its contract was rejected
    assert count(con, "contract_lines") == 1


def test_a_row_with_several_problems_is_one_reject(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C9,E1,2024-13-45,x\n")
    r = run([tmp_path], con)
    assert len(r.rejects) == 1
    row = r.rejects.iloc[0]
    assert row["column_name"] == "signed_at" and row["value"] == "2024-13-45"
    assert row["reason"].split("; ") == [
        "`signed_at` `2024-13-45` is not a date (YYYY-MM-DD, YYYY/MM/DD, M/D/YYYY or an Excel "
        "day number)", "`amount` `x` is not a number", "unknown customer_id `C9`"]


# -- encodings and file types ------------------------------------------------------------------

def test_gbk_chinese_csv(tmp_path, con):
    write(tmp_path, "employees.csv", "employee_id,name,team\nE1,王伟,华东\n", encoding="gbk")
    write(tmp_path, "customers.csv", "customer_id,name,created_at,owner_id,city\n"
                                     "C1,杭州明达科技有限公司,2024-01-05,E1,杭州\n", encoding="gbk")
    r = run([tmp_path], con)
    got = con.table("customers").execute()
    assert got["name"].tolist() == ["杭州明达科技有限公司"] and got["city"].tolist() == ["杭州"]
    assert con.table("employees").execute()["team"].tolist() == ["华东"]
    assert "customers.csv: read as GB18030 (GBK, Chinese)" in r.summary()


def test_utf8_bom(tmp_path, con):
    write(tmp_path, "employees.csv", EMPLOYEES, encoding="utf-8-sig")
    df = read_file(tmp_path / "employees.csv")
    assert list(df.columns) == ["employee_id", "name", "team"]
    r = run([tmp_path], con)
    assert r.table("employees").accepted == 2


def test_semicolon_and_tab_delimiters(tmp_path, con):
    write(tmp_path, "employees.csv", EMPLOYEES.replace(",", ";"))
    write(tmp_path, "products.tsv", PRODUCTS.replace(",", "\t"))
    r = run([tmp_path], con)
    assert (r.table("employees").accepted, r.table("products").accepted) == (2, 2)


def test_excel_serial_dates_and_formula_text(tmp_path, con):
    import openpyxl

    base(tmp_path)
    (tmp_path / "customers.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["customer_id", "name", "created_at", "owner_id"])
    ws.append(["C1", "=1+1", 45292, "E1"])  # a date stored as a plain number
    ws.append(["C2", "=SUM(A1:A3)", dt.datetime(2024, 2, 1, 9, 30), "E2"])
    ws.append([None, None, None, None])  # blank row: skipped, still counted
    ws.append(["C3", "Gamma", "not a date", "E1"])
    wb.save(tmp_path / "customers.xlsx")
    r = run([tmp_path], con)
    got = con.table("customers").execute().set_index("customer_id")
    assert got.loc["C1", "created_at"] == pd.Timestamp("2024-01-01")
    assert got.loc["C2", "created_at"] == pd.Timestamp("2024-02-01 09:30")
    assert got.loc["C1", "name"] == "=1+1" and got.loc["C2", "name"] == "=SUM(A1:A3)"
    rej = rejects_of(r, "customers")
    assert list(rej.index) == [4]  # data row 4 = sheet row 5
    assert rej.loc[4, "source_file"] == "customers.xlsx"


def test_parquet(tmp_path, con):
    base(tmp_path)
    (tmp_path / "customers.csv").unlink()
    pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["A", "B"],
                  "created_at": pd.to_datetime(["2024-01-05 00:00", "2024-02-01 10:00"]),
                  "owner_id": ["E1", None]}).to_parquet(tmp_path / "customers.parquet")
    run([tmp_path], con)
    got = con.table("customers").execute().set_index("customer_id")
    assert got.loc["C2", "created_at"] == pd.Timestamp("2024-02-01 10:00")
    assert got.loc["C2", "owner_id"] is None


# -- safety and re-imports --------------------------------------------------------------------

def test_sql_injection_is_plain_text(tmp_path, con):
    evil = "x'); DROP TABLE contracts; --"
    base(tmp_path)
    write(tmp_path, "customers.csv", f'customer_id,name,created_at\n"{evil}","{evil}",2024-01-01\n')
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     f'"{evil}","{evil}",E1,2024-01-02,5\n')
    run([tmp_path], con)
    run([tmp_path], con)  # the second run deletes by key: the value is bound, never spliced
    assert "contracts" in con.list_tables()
    got = con.table("contracts").execute()
    assert got["contract_id"].tolist() == [evil] and got["customer_id"].tolist() == [evil]
    assert con.table("customers").execute()["name"].tolist() == [evil]


def test_reimport_does_not_duplicate(tmp_path, con):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-01-01,5\nK2,C1,E1,2024-01-01,oops\n")
    first = run([tmp_path], con)
    counts = {t: count(con, t) for t in ("employees", "customers", "products", "contracts")}
    second = run([tmp_path], con)
    assert {t: count(con, t) for t in counts} == counts == {
        "employees": 2, "customers": 2, "products": 2, "contracts": 1}
    assert count(con, "rejects") == len(first.rejects) == len(second.rejects) == 1
    # Fixing the file and importing again clears its stale rejects.
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-01-01,5\nK2,C1,E1,2024-01-01,7\n")
    run([tmp_path], con)
    assert count(con, "rejects") == 0 and count(con, "contracts") == 2


def test_failed_import_changes_nothing(tmp_path, con):
    base(tmp_path)
    run([tmp_path], con)
    write(tmp_path, "customers.csv", CUSTOMERS + "C3,Gamma,2024-03-01,E1\n")
    write(tmp_path, "contracts.csv", "contract_id,customer_id\nK1,C1\n")  # cannot be loaded
    with pytest.raises(CRMDataError):
        run([tmp_path], con)
    assert count(con, "customers") == 2


def test_into_duckdb_file_and_meta(tmp_path):
    from crmlib.data.store import read_meta

    (tmp_path / "src").mkdir()
    base(tmp_path / "src")
    db = tmp_path / "out" / "crm.duckdb"
    r = import_files([tmp_path / "src"], into=db, progress=False)
    assert r.database == str(db)
    c = ibis.duckdb.connect(str(db))
    try:
        meta = read_meta(c)
        assert meta["import_mapping"] == "canonical" and "last_import_at" in meta
        assert c.table("customers").count().execute() == 2
    finally:
        c.disconnect()


def test_soft_reference_is_kept_and_reported(tmp_path, con):
    write(tmp_path, "employees.csv", "employee_id,name,team,manager_id\nE1,Ann,east,Boss\n")
    r = run([tmp_path], con)
    assert con.table("employees").execute()["manager_id"].tolist() == ["Boss"]
    assert "employees.manager_id: 1 values are not employees (kept, a soft reference): Boss" \
        in r.summary()


def test_postgres_backend(tmp_path, backend):
    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-01-01,5\nK2,C9,E1,2024-01-01,5\n")
    for _ in range(2):
        r = run([tmp_path], backend)
    assert r.table("contracts").accepted == 1
    assert backend.table("contracts").count().execute() == 1
    assert backend.table("rejects").count().execute() == 1


# -- validate() on its own --------------------------------------------------------------------

def test_validate_missing_required_column_and_accounting():
    df = pd.DataFrame({"employee_id": ["E1"], "nmae": ["Ann"], "team": ["east"]})
    with pytest.raises(CRMDataError, match=r"e\.csv header: no column `name` for required "
                                           r"employees\.name; did you mean `nmae`\?"):
        validate(df, "employees", source="e.csv")
    df = pd.DataFrame({"employee_id": ["E1", None, "E1"], "name": ["A", "B", "C"],
                       "team": ["t", "t", None], "active": ["yes", "no", "maybe"]})
    acc, rej = validate(df, "employees", source="e.csv", row_numbers=[10, 11, 12])
    assert len(acc) + len(rej) == 3 and len(acc) == 1
    assert rej["row_number"].tolist() == [11, 12]
    assert rej["reason"].tolist() == [
        "`employee_id` is empty; employees.employee_id is required",
        "`active` `maybe` is not true or false; `team` is empty; employees.team is required; "
        "duplicate employee_id `E1` in `employee_id`, first seen at row 10"]
    assert bool(acc.loc[0, "active"]) is True


def test_tables_the_source_lacks_stay_absent(tmp_path, con):
    """Only the required tables and those the files provide exist: a missing `payments` table
    reads as "not available", never as zero payments."""
    import crmlib

    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-03-01,5\n")
    run([tmp_path], con)
    crm = crmlib.connect(con)
    assert crm.has("products") and crm.has("contracts") and not crm.has("payments")
    from crmlib import metrics
    from crmlib.period import resolve_period

    brief = metrics.sales_brief(crm, period=resolve_period("this_month", as_of="2024-03-31"))
    row = brief.set_index("metric").loc["payments"]
    assert not row["available"] and pd.isna(row["current"])


def test_a_write_that_fails_midway_leaves_the_database_unchanged(tmp_path, backend, monkeypatch):
    """The writes of one import are one transaction (on DuckDB and PostgreSQL)."""
    from crmlib.data import store

    base(tmp_path)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-03-01,5\n")
    run([tmp_path], backend)
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-03-01,7\nK2,C2,E2,2024-03-02,9\n")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "append_rejects", boom)  # after the upserts
    with pytest.raises(RuntimeError, match="disk full"):
        import_files([tmp_path], "canonical", into=backend, progress=False)
    got = backend.table("contracts").execute()
    assert got[["contract_id", "amount"]].values.tolist() == [["K1", 5.0]]


def test_a_table_failing_after_others_were_written_rolls_them_back(tmp_path, backend,
                                                                     monkeypatch):
    """Each table is written as soon as it is validated; a later table that cannot be loaded
    takes those writes back (on DuckDB and PostgreSQL)."""
    from crmlib.data import importer

    base(tmp_path)
    run([tmp_path], backend)
    before = backend.table("customers").execute().sort_values("customer_id")
    write(tmp_path, "customers.csv", "customer_id,name,created_at,owner_id\n"
                                     "C1,Renamed,2024-01-01,E1\nC9,New,2024-02-01,E2\n")
    write(tmp_path, "contracts.csv", "contract_id,customer_id,owner_id,signed_at,amount\n"
                                     "K1,C1,E1,2024-03-01,5\n")
    real = importer.validate

    def contracts_fail(df, table, **kw):  # customers and products are loaded before
        if table == "contracts":
            raise CRMDataError("contracts.csv: contracts cannot be loaded")
        return real(df, table, **kw)

    monkeypatch.setattr(importer, "validate", contracts_fail)
    with pytest.raises(CRMDataError, match="contracts cannot be loaded.*Nothing was imported"):
        import_files([tmp_path], "canonical", into=backend, progress=False)
    after = backend.table("customers").execute().sort_values("customer_id")
    pd.testing.assert_frame_equal(after.reset_index(drop=True), before.reset_index(drop=True))
    assert count(backend, "contracts") == 0  # created empty by the first import (required)
