"""Shared fixtures: the CRMs tests run on (hand-built, the test demo, both backends), a seeded
random generator, and closing matplotlib figures after every test.

Plain helpers (tiny CRMs, loaders) are in helpers.py: tests import them from there, never from
this file or from another test module.
"""

from __future__ import annotations

import sys

import ibis
import numpy as np
import pytest
from helpers import fresh_pg, load_tiny
from pgserver import postgres_server

from crmlib.data.connect import from_frames

SEED = 20240531  # the seed of `rng`: every test that draws random data gets the same numbers


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open (figures pile up in memory otherwise)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")  # only if something imported it
    if plt is not None:
        plt.close("all")


@pytest.fixture
def rng():
    """A numpy Generator seeded with :data:`SEED`, fresh for each test."""
    return np.random.default_rng(SEED)


@pytest.fixture(scope="session")
def demo_crm():
    """A CRM on the test demo, ``$CRM_DATA_DIR/crm.duckdb`` (``make test`` builds it)."""
    import crmlib
    from crmlib import config

    if not config.DEFAULT_DB.exists():
        pytest.fail(f"{config.DEFAULT_DB} is missing: `make test` builds it (.test-data/)")
    # Not closed: tables the dashboards cache drop themselves at exit, through this connection.
    return crmlib.connect()


@pytest.fixture(scope="module")
def crm(request):
    """The CRM a test module checks: its hand-built ``frames()`` in an in-memory DuckDB, or, for
    a module that defines no ``frames``, the test demo (:func:`demo_crm`)."""
    frames = getattr(request.module, "frames", None)
    if frames is None:
        return request.getfixturevalue("demo_crm")
    return from_frames(frames())


@pytest.fixture(scope="session")
def pg_url():
    """URL of a PostgreSQL server started for this test session (stopped at the end)."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as e:  # no server binaries: a setup problem, not a skip
        pytest.fail(str(e))


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request):
    """An empty ibis backend of each kind; tests using it run on both engines."""
    if request.param == "duckdb":
        con = ibis.duckdb.connect()
    else:
        con = fresh_pg(request.getfixturevalue("pg_url"))
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
