"""The mapping presets on the real public data sets in ../shared/datasets (skipped without them)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import ibis
import pytest

from crmlib.config import SHARED_DATASETS
from crmlib.data.importer import import_files

MAVEN = SHARED_DATASETS / "maven_crm"
SUPERSTORE = SHARED_DATASETS / "superstore"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATASETS.is_dir(),
                       reason=f"the public data sets are not here ({SHARED_DATASETS}); "
                              "they sit beside the project in CI only"),
]


def read_csv_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def maven():
    con = ibis.duckdb.connect()
    result = import_files([MAVEN], "maven_crm", into=con, progress=False)
    yield con, result
    con.disconnect()


@pytest.fixture(scope="module")
def superstore():
    con = ibis.duckdb.connect()
    result = import_files([SUPERSTORE], "superstore", into=con, progress=False)
    yield con, result
    con.disconnect()


def test_maven_accounts_for_every_row(maven):
    con, r = maven
    expected = {"opportunities": 8800, "customers": 85, "employees": 35, "products": 7,
                "pipeline_stages": 4, "contracts": 4238, "contract_lines": 4238}
    for table, n in expected.items():
        t = r.table(table)
        assert t.rows == n and t.accepted + t.rejected == n, table
        # every accepted row is in the database, every rejected one has a reason
        assert con.table(table).count().execute() == t.accepted, table
        got = r.rejects[r.rejects["table_name"] == table]
        assert len(got) == t.rejected and got["reason"].str.len().gt(0).all()
    assert r.rejected == 0


def test_maven_defects(maven):
    con, r = maven
    opp = con.table("opportunities").execute()
    pipeline = read_csv_rows(MAVEN / "sales_pipeline.csv")
    gtx_pro = sum(row["product"] in ("GTXPro", "GTX Pro") for row in pipeline)
    assert "GTXPro" not in set(opp["product_id"])
    assert (opp["product_id"] == "GTX Pro").sum() == gtx_pro == 1480
    assert opp["customer_id"].isna().sum() == 1425  # open deals without an account: kept
    assert opp.loc[opp["stage"] == "Prospecting", "created_at"].isna().all()
    assert opp.loc[opp["stage"] != "Won", "amount"].isna().all()
    cust = con.table("customers").execute()
    assert "technolgy" not in set(cust["industry"]) and "technology" in set(cust["industry"])
    assert cust["created_at"].notna().all()
    summary = r.summary()
    for words in ("`GTXPro` -> `GTX Pro` in 1,480 rows", "`technolgy` -> `technology`",
                  "customer_id 1,425", "6 values are not employees",
                  "data_dictionary.csv: not imported", "No rows rejected."):
        assert words in summary, words


def test_maven_won_contracts_total(maven):
    con, _ = maven
    won = [row for row in read_csv_rows(MAVEN / "sales_pipeline.csv") if row["deal_stage"] == "Won"]
    total = sum(Decimal(row["close_value"]) for row in won)
    contracts = con.table("contracts").execute()
    assert len(contracts) == len(won) == 4238
    assert round(Decimal(str(contracts["amount"].sum())), 2) == total
    assert set(contracts["status"]) == {"approved"}
    assert set(contracts["contract_id"]) == set(contracts["opportunity_id"])


def test_superstore_counts_and_total(superstore):
    con, r = superstore
    assert r.rejected == 0
    counts = {t: con.table(t).count().execute()
              for t in ("contract_lines", "contracts", "customers", "products", "employees")}
    assert counts == {"contract_lines": 9994, "contracts": 5009, "customers": 793,
                      "products": 1862, "employees": 4}
    rows = read_csv_rows(SUPERSTORE / "Sample - Superstore.csv")
    total = sum(Decimal(row["Sales"]) for row in rows)
    assert round(total, 2) == Decimal("2297200.86")
    amount = con.table("contracts").amount.sum().execute()
    assert round(Decimal(str(amount)), 2) == Decimal("2297200.86")
    assert round(Decimal(str(con.table("contract_lines").amount.sum().execute())), 2) == \
        Decimal("2297200.86")


def test_superstore_first_order_decides_customer_fields(superstore):
    con, r = superstore
    rows = read_csv_rows(SUPERSTORE / "Sample - Superstore.csv")
    mine = [x for x in rows if x["Customer ID"] == "CG-12520"]
    first = min(mine, key=lambda x: dt.datetime.strptime(x["Order Date"], "%m/%d/%Y"))
    cust = con.table("customers").execute().set_index("customer_id").loc["CG-12520"]
    assert cust["owner_id"] == first["Region"] and cust["city"] == first["City"]
    assert cust["name"] == "Claire Gute" and cust["industry"] == "Consumer"
    assert "products.name: 32 `Product ID` values have more than one `Product Name`" in r.summary()
