"""Apache Spark as a CRM engine: the same metric functions, run by Spark through ibis.

``crmlib.connect("spark://local[2]")`` starts (or reuses) a local Spark session and reads the
canonical tables from its catalog; ``"spark://host:7077"`` does the same on a standalone cluster
(``?database=crm`` picks the Spark database). An open ``SparkSession`` is accepted too. The
tables must already be in Spark (saved tables, or temporary views);
:func:`crmlib.data.spark_load.load_tables` copies them from another CRM source, e.g. a DuckDB
file, for tests and trials.

Sessions made here run in UTC (``spark.sql.session.timeZone``), so that timestamps, which the
data model stores without a time zone, mean the same as in DuckDB and PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import parse_qs, unquote

from crmlib.exceptions import CRMError

__all__ = ["session", "connect_url", "connect_session", "is_session", "java_available"]

# Settings for a session made here: no web UI, UTC wall clock, few shuffle partitions (a CRM
# is small for Spark; 200 partitions would cost more than the work on a laptop).
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
}


def is_session(obj) -> bool:
    """Return whether ``obj`` looks like a ``pyspark.sql.SparkSession`` (classic or Spark Connect).

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        True for an object named ``SparkSession`` with ``sql`` and ``catalog``.
    """
    return type(obj).__name__ == "SparkSession" and hasattr(obj, "sql") and hasattr(obj,
                                                                                      "catalog")


def session(master: str = "local[2]", *, conf: dict | None = None, app_name: str = "crmlib"):
    """Return a Spark session on ``master`` (``local[N]``, ``spark://host:port``, ...), made or reused.

    The first local session costs 10-20 s of JVM start-up; later calls return the same session.

    Parameters
    ----------
    master : str, default="local[2]"
        The Spark master.
    conf : dict, optional
        Settings over :data:`DEFAULT_CONF`.
    app_name : str, default="crmlib"
        The application's name.

    Returns
    -------
    pyspark.sql.SparkSession
        The running session when there is one, else a new one (``getOrCreate``); its log
        level set to ERROR.

    Raises
    ------
    CRMError
        With what to install when pyspark or Java is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise CRMError("Spark needs pyspark: pip install 'crmlib[spark]' (and Java 17+).") from e
    if not java_available():
        raise CRMError("Spark needs Java 17 or later and none was found: install it (Debian: "
                       "apt-get install openjdk-17-jre-headless) or set JAVA_HOME.")
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in (DEFAULT_CONF | (conf or {})).items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def java_available() -> bool:
    """Return whether a ``java`` is on the PATH or in ``$JAVA_HOME/bin`` (Spark's JVM needs one).

    Returns
    -------
    bool
        True when a ``java`` executable is found.
    """
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home) and os.path.exists(
        os.path.join(home, "bin", "java"))


def connect_session(spark, *, database: str | None = None):
    """Return an ibis PySpark backend over an open session.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        An open session.
    database : str, optional
        The Spark database to use.

    Returns
    -------
    ibis.backends.pyspark.Backend
        An ibis backend running its queries on ``spark``.
    """
    import ibis

    if database:
        spark.catalog.setCurrentDatabase(database)
    return ibis.pyspark.connect(spark)


def connect_url(url: str):
    """Connect to ``spark://local[N]`` or ``spark://host:port[?database=d]``.

    ``spark://local``, ``spark://local[2]`` and ``spark://local[*]`` start a local session;
    any other host is a standalone cluster master, ``spark://host:port``.

    Parameters
    ----------
    url : str
        A ``spark://`` URL.

    Returns
    -------
    tuple of (ibis backend, str)
        ``(backend, description)``.

    Raises
    ------
    CRMError
        An unknown option or no master.
    """
    rest, _, qs = url.split("://", 1)[1].partition("?")  # not urlsplit: "[2]" is no IPv6 host
    query = {k: v[-1] for k, v in parse_qs(qs).items()}
    unknown = set(query) - {"database"}
    if unknown:
        raise CRMError(f"{url}: unknown option(s) {sorted(unknown)}; allowed: ['database'].")
    netloc = unquote(rest.split("/", 1)[0])
    if not netloc:
        raise CRMError(f"{url}: name a master, e.g. spark://local[2] or spark://host:7077.")
    master = netloc if netloc.lower().startswith("local") else f"spark://{netloc}"
    database = query.get("database")
    backend = connect_session(session(master), database=database)
    return backend, f"Spark {master}" + (f" database {database}" if database else "")

