"""The `crm` command: exit codes, messages and what it writes."""

from __future__ import annotations

import ibis
import pytest
from helpers import CUSTOMERS, EMPLOYEES, PRODUCTS

from crmlib.cli import main

CONTRACTS = ("contract_id,customer_id,owner_id,signed_at,amount\n"
             "K1,C1,E1,2024-03-01,100\nK2,C2,E2,2024-03-02,-5\nK3,C9,E1,2024-03-03,7\n")


@pytest.fixture
def exports(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    for name, text in [("employees.csv", EMPLOYEES), ("customers.csv", CUSTOMERS),
                       ("products.csv", PRODUCTS), ("contracts.csv", CONTRACTS)]:
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_import_then_info(exports, tmp_path, capsys):
    db = tmp_path / "crm.duckdb"
    assert main(["import", str(exports), "--mapping", "canonical", "--into", str(db), "-q"]) == 0
    out = capsys.readouterr().out
    assert "2 rows rejected" in out and "contracts.csv row 2" in out
    assert "contracts.csv row 3" in out and "C9" in out
    assert main(["info", str(db)]) == 0
    out = capsys.readouterr().out
    assert "contracts" in out and str(db) in out
    con = ibis.duckdb.connect(str(db), read_only=True)
    assert con.table("contracts").count().execute() == 1
    assert con.table("rejects").count().execute() == 2


def test_import_into_duckdb_url(exports, tmp_path):
    db = tmp_path / "u.duckdb"
    assert main(["import", str(exports), "--into", f"duckdb://{db}", "-q"]) == 0
    assert db.exists()


def test_import_into_postgres(exports, pg_url, capsys):
    from helpers import fresh_pg

    fresh_pg(pg_url).disconnect()
    assert main(["import", str(exports), "--into", pg_url, "-q"]) == 0
    assert main(["info", pg_url]) == 0
    assert "PostgreSQL postgresql://" in capsys.readouterr().out


def test_errors_are_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "contracts.csv").write_text("contract_id,customer_id,owner_id,signed_at\nK1,C1,E1,x\n")
    code = main(["import", str(bad), "--into", str(tmp_path / "x.duckdb"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "CRMDataError" in err and "amount" in err and "Traceback" not in err
    assert main(["info", str(tmp_path / "none.duckdb")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["import", str(bad), "--mapping", "no_such_mapping", "-q"]) == 2


def test_demo_command(tmp_path, capsys):
    out = tmp_path / "demo.duckdb"
    assert main(["demo", "--scale", "1500", "--seed", "3", "--out", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "demo database written" in text and "contract_lines" in text
    con = ibis.duckdb.connect(str(out), read_only=True)
    lines = con.table("contract_lines").count().execute()
    assert 1200 <= lines <= 1800
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, nothing left behind
