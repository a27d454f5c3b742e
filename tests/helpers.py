"""Plain helpers the test modules share (not a test module): small CRMs and loaders.

Fixtures live in conftest.py; what a test imports lives here (a test never imports another test
module, nor conftest).
"""

from __future__ import annotations

import pandas as pd

import crmlib
from crmlib.data import store

# Three tiny CSV exports (employees, customers, products) for the import tests.
EMPLOYEES = "employee_id,name,team\nE1,Ann,east\nE2,Bob,west\n"
CUSTOMERS = "customer_id,name,created_at,owner_id\nC1,Acme,2024-01-05,E1\nC2,Beta,2024-02-01,E2\n"
PRODUCTS = "product_id,name,list_price\nP1,Widget,10\nP2,Gadget,20\n"


def tiny_frames() -> dict[str, pd.DataFrame]:
    """A CRM small enough to check every figure by hand (see the comments)."""
    return {
        "employees": pd.DataFrame({
            "employee_id": ["e1", "e2", "e3"], "name": ["王伟", "李娜", "Ann Lee"],
            "team": ["east", "east", "global"], "manager_id": [None, "e1", None]}),
        "customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3"],
            "name": ["杭州明达科技有限公司", "北京华为", "Acme Inc."],
            "created_at": ["2024-01-05", "2024-02-10", "2024-03-01"],
            "owner_id": ["e1", "e2", None]}),
        "pipeline_stages": pd.DataFrame({
            "pipeline": ["default"] * 4, "stage": ["qualify", "proposal", "Won", "Lost"],
            "stage_order": [1, 2, 3, 4], "probability": [0.1, 0.5, 1.0, 0.0],
            "outcome": ["open", "open", None, "lost"]}),
        "opportunities": pd.DataFrame({
            "opportunity_id": ["o1", "o2", "o3"], "owner_id": ["e1", "e2", "e1"],
            "stage": ["Won", "Lost", "proposal"], "amount": [100.0, 50.0, None],
            "created_at": ["2024-01-10", "2024-02-11", None]}),
        # c1: first approved contract k2 on 2024-02-01 (k1 is later; k4 is void, earlier)
        # c2: only a void contract -> not dealt. Approved total = 100 + 250.5 + 30 = 380.5
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5"],
            "customer_id": ["c1", "c1", "c2", "c1", "c3"],
            "owner_id": ["e1", "e1", "e2", "e1", "e3"],
            "signed_at": ["2024-03-01", "2024-02-01", "2024-04-01", "2024-01-20", "2024-03-15"],
            "amount": [100.0, 250.5, 70.0, 999.0, 30.0],
            "status": ["approved", "approved", "void", "void", "approved"]}),
    }


def brief_frames() -> dict[str, pd.DataFrame]:
    """The CRM of test_brief (March 2024, as of 2024-03-20); test_context stores it in a file."""
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
                                   "team": ["east", "east", "west"]}),
        "customers": pd.DataFrame({
            # c5 is deleted: it counts nowhere (not a new customer, not "not followed up")
            "customer_id": ["c1", "c2", "c3", "c4", "c5"], "name": list("wxyzv"),
            "created_at": ["2024-03-02", "2024-03-15", "2024-02-10", "2023-03-05", "2024-03-10"],
            "owner_id": ["e1", "e2", "e1", "e1", "e1"],
            "status": ["active", None, "locked", None, "deleted"]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4"], "customer_id": ["c1", "c2", "c3", "c4"],
            "owner_id": ["e1", "e2", "e1", "e1"],
            "signed_at": ["2024-03-05", "2024-03-10", "2024-02-20", "2023-03-06"],
            "amount": [100.0, 50.0, 80.0, 40.0], "status": ["approved", "void", "approved", None],
            "end_at": ["2024-04-10", None, "2024-03-15", "2024-03-25"]}),
        "payments": pd.DataFrame({
            "payment_id": ["p1", "p2", "p3"], "contract_id": ["k1", "k3", "k2"],
            "paid_at": ["2024-03-12", "2024-03-01", "2024-03-11"], "amount": [60.0, 30.0, 50.0],
            "status": ["approved"] * 3}),
        "opportunities": pd.DataFrame({
            "opportunity_id": ["o1", "o2", "o3"], "owner_id": ["e1", "e2", "e1"],
            "stage": ["proposal"] * 3, "created_at": ["2024-03-03", "2024-03-04", None],
            "amount": [500.0, None, 10.0]}),
        "activities": pd.DataFrame({
            "activity_id": ["a1", "a2", "a3", "a4"], "employee_id": ["e1", "e1", "e2", "e1"],
            "at": ["2024-03-06 10:00", "2024-03-07 11:00", "2024-03-08 09:00", "2024-02-01"],
            "customer_id": ["c1", "c1", "c2", "c3"],
            "kind": ["follow_up", "follow_up", "sign_in", "follow_up"]}),
        "owner_changes": pd.DataFrame({
            "customer_id": ["c3", "c2"], "changed_at": ["2024-03-09", "2024-03-01"],
            "from_owner_id": ["e1", None], "to_owner_id": [None, "e2"],
            "reason": ["pool_in", "pool_out"]}),
        "payment_plans": pd.DataFrame({
            "contract_id": ["k1", "k3", "k2"], "due_at": ["2024-03-31", "2024-03-10", "2024-03-20"],
            "amount": [100.0, 80.0, 50.0], "received_amount": [60.0, 30.0, 0.0]}),
    }


def load_frames(con, frames: dict[str, pd.DataFrame]):
    """Create ``frames``' tables in the ibis backend ``con``, upsert their rows; return ``con``."""
    store.ensure_tables(con, list(frames))
    for name, df in frames.items():
        store.upsert(con, name, df)
    return con


def crm_on(con, frames: dict[str, pd.DataFrame]) -> crmlib.CRM:
    """A CRM over ``frames`` loaded into the ibis backend ``con`` (DuckDB or PostgreSQL)."""
    return crmlib.connect(load_frames(con, frames))


def load_tiny(con) -> None:
    """Load :func:`tiny_frames` into the ibis backend ``con``."""
    load_frames(con, tiny_frames())


def fresh_pg(url):
    """An empty database on the PostgreSQL server at ``url`` (every table dropped first)."""
    from crmlib.data.connect import connect

    con = connect(url, check=False).backend
    for t in con.list_tables():
        con.drop_table(t, force=True)
    return con
