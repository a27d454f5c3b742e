"""Shared fixtures: a tiny hand-built CRM, DuckDB and PostgreSQL backends holding it."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from pgserver import postgres_server

from crmlib.data import store


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


def load_tiny(con) -> None:
    store.ensure_tables(con, list(tiny_frames()))
    for name, df in tiny_frames().items():
        store.upsert(con, name, df)


@pytest.fixture(scope="session")
def pg_url():
    """URL of a PostgreSQL server started for this test session (stopped at the end)."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as e:  # no server binaries: a setup problem, not a skip
        pytest.fail(str(e))


def _fresh_pg(url):
    """An empty database on the session's server (drop every table first)."""
    from crmlib.data.connect import connect

    con = connect(url, check=False).backend
    for t in con.list_tables():
        con.drop_table(t, force=True)
    return con


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request):
    """An empty ibis backend of each kind; tests using it run on both engines."""
    if request.param == "duckdb":
        con = ibis.duckdb.connect()
    else:
        con = _fresh_pg(request.getfixturevalue("pg_url"))
    yield con
    con.disconnect()


@pytest.fixture
def tiny(backend):
    """The tiny CRM loaded into ``backend``."""
    load_tiny(backend)
    return backend


@pytest.fixture(scope="session")
def maven_db(tmp_path_factory):
    """The Maven CRM data set imported with the `maven_crm` preset into a DuckDB file (skips,
    saying why, when ../shared/datasets is absent)."""
    from crmlib.config import SHARED_DATASETS
    from crmlib.data.importer import import_files

    src = SHARED_DATASETS / "maven_crm"
    if not src.is_dir():
        pytest.skip(f"the public data sets are not here ({SHARED_DATASETS}); they sit beside "
                    "the project in CI only")
    path = tmp_path_factory.mktemp("maven") / "maven.duckdb"
    import_files([src], "maven_crm", into=path, progress=False)
    return path


@pytest.fixture(scope="session")
def maven_crm(maven_db):
    """A CRM connection to :func:`maven_db`."""
    from crmlib.data.connect import connect

    crm = connect(maven_db)
    yield crm
    crm.close()


@pytest.fixture
def maven_notebook(maven_db, tmp_path):
    """Run a topic notebook on the Maven import for 2017 with papermill; return the executed
    notebook's text (to check what the report says where Maven lacks a table)."""
    import papermill

    from crmlib.report import NOTEBOOKS_DIR

    def run(topic: str) -> str:
        out = tmp_path / f"{topic}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / f"{topic}.ipynb"), str(out), progress_bar=False,
            cwd=str(NOTEBOOKS_DIR), extra_arguments=["--IPKernelApp.log_level=ERROR"],
            parameters=dict(source=str(maven_db), period="custom", period_start="2017-01-01",
                            period_end="2017-12-31"))
        return out.read_text(encoding="utf-8")

    return run
