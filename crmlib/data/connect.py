"""Connect to CRM data and expose each canonical table as an ibis table.

``connect()`` is the one door to data for every metric, notebook and dashboard. It accepts the
embedded DuckDB file (the default), another DuckDB file, a PostgreSQL URL, an Apache Spark master
URL or session (:mod:`crmlib.data.spark`), a folder of exported files plus a mapping, or an
already-open ibis backend; it checks the data contract
(:mod:`crmlib.data.schema`) and reports every problem at once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import ibis
import pandas as pd

from crmlib import config
from crmlib.data.crm import CRM, stage_outcome
from crmlib.data.schema import LOAD_ORDER
from crmlib.data.store import read_meta
from crmlib.exceptions import CRMError

__all__ = ["CRM", "connect", "from_frames", "stage_outcome"]

log = logging.getLogger(__name__)


def connect(source=None, *, mapping: str | None = None, check: bool = True) -> CRM:
    """Open CRM data and return a :class:`CRM` whose tables are ibis tables.

    Parameters
    ----------
    source : str, path, ibis backend or None, default=None
        ``None``: the embedded DuckDB file ``data/crm.duckdb`` (built from the demo generator on
        first use). ``"duckdb:///path.duckdb"`` or a ``.duckdb`` path: that DuckDB file (opened
        read-only; it must exist). ``"postgresql://user:pw@host:port/db[?schema=s]"``: a
        PostgreSQL database holding the canonical tables. ``"spark://local[2]"`` or
        ``"spark://host:7077[?database=d]"``, or an open ``SparkSession``: the canonical tables
        in Spark's catalog (see :mod:`crmlib.data.spark`). A folder: its CSV/Excel/Parquet files
        are imported with ``mapping`` into an in-memory DuckDB (rejects included). An open ibis
        backend is used as it is.
    mapping : str, optional
        Mapping preset name or YAML file for a folder source; default ``canonical``.
    check : bool, default=True
        Check required tables, columns and types (raise :class:`CRMDataError` naming every
        problem at once).

    Returns
    -------
    CRM
        The opened data, its tables read lazily (checked against the data contract when
        ``check``).

    Raises
    ------
    CRMDataError
        The source breaks the data contract.
    CRMError
        The source string is not understood, or the file does not exist.

    Examples
    --------
    >>> crm = connect()                                   # doctest: +SKIP
    >>> crm.table("contracts").amount.sum().execute()     # doctest: +SKIP
    """
    if isinstance(source, CRM):
        return source.check() if check else source
    crm = _open(source, mapping)
    return crm.check() if check else crm


def from_frames(frames: dict[str, pd.DataFrame], *, check: bool = True) -> CRM:
    """Return a CRM held in memory (DuckDB) from canonical pandas frames: for tests and quick looks.

    Frames need the required columns; optional ones may be left out. Values are cast to the
    canonical types (see :func:`crmlib.data.store.conform`); they are not validated row by row
    (use ``crm import`` for untrusted files).

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        Canonical table name -> frame.
    check : bool, default=True
        Check the data contract (see :func:`connect`).

    Returns
    -------
    CRM
        The frames loaded into an in-memory DuckDB database (checked when ``check``).
    """
    from crmlib.data import store

    backend = ibis.duckdb.connect()
    for name in LOAD_ORDER:
        if name in frames:
            df = store.conform(frames[name], name)
            backend.create_table(name, ibis.memtable(df, schema=store.ibis_schema(name)))
    crm = CRM(backend, description=f"in-memory frames ({', '.join(frames)})")
    return crm.check() if check else crm


def _open(source, mapping) -> CRM:
    if source is None:
        path = config.DEFAULT_DB
        if not path.exists():
            from crmlib.demo import build_demo

            log.warning("no database at %s: building the demo data set", path)
            build_demo(path)
        return _duckdb_file(path)
    from crmlib.data import spark

    if spark.is_session(source):
        return CRM(spark.connect_session(source), description="Spark session", source=source)
    if hasattr(source, "list_tables") and hasattr(source, "table"):
        return CRM(source, description=f"{source.name} connection", source=source)
    if not isinstance(source, (str, os.PathLike)):
        raise CRMError(f"cannot connect to a {type(source).__name__}; pass a path, a URL or an "
                       "ibis backend.")
    text = os.fspath(source)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""  # urlsplit fails on [2]
    if scheme == "duckdb":
        return _duckdb_file(duckdb_url_path(text))
    if scheme in ("postgresql", "postgres"):
        return _postgres(text)
    if scheme == "spark":
        backend, description = spark.connect_url(text)
        return CRM(backend, description=description, source=text)
    if scheme:
        raise CRMError(f"unknown source scheme `{scheme}://` in {_redact(text)}; use duckdb:///"
                       "path, postgresql://user@host/db, spark://local[2], a .duckdb file or a "
                       "folder of files.")
    path = Path(text)
    if path.is_dir():
        return _folder(path, mapping or "canonical")
    if path.suffix.lower() in (".duckdb", ".db", ".ddb"):
        return _duckdb_file(path)
    if path.exists():
        raise CRMError(f"{path}: cannot tell what this file is; pass its folder with a mapping "
                       "(connect(folder, mapping=...)) or import it with `crm import`.")
    raise CRMError(f"{path} does not exist.")


def duckdb_url_path(url: str) -> Path:
    """Return the file of a ``duckdb://`` URL.

    ``duckdb:///tmp/x.duckdb`` is absolute, ``duckdb://data/x.duckdb`` relative.

    Parameters
    ----------
    url : str
        A ``duckdb://`` URL.

    Returns
    -------
    pathlib.Path
        The database file's path, percent-decoded (``duckdb:///data/crm.db`` gives
        ``/data/crm.db``, ``duckdb://crm.db`` the relative ``crm.db``).
    """
    rest = unquote(url.split("://", 1)[1])
    return Path("/" + rest.lstrip("/") if rest.startswith("/") else rest)


def _duckdb_file(path: Path) -> CRM:
    path = Path(path)
    if not path.exists():
        raise CRMError(f"{path} does not exist. Build the demo with `crm demo --out {path}` or "
                       "import your data with `crm import`.")
    backend = ibis.duckdb.connect(str(path), read_only=True)
    meta = read_meta(backend)
    what = f", {meta['generator']} seed {meta.get('seed')}" if "generator" in meta else ""
    return CRM(backend, description=f"DuckDB file {path}{what}", source=str(path))


_PG_QUERY_KEYS = {"schema", "sslmode", "connect_timeout", "application_name"}


def _postgres(url: str) -> CRM:
    """Connect to PostgreSQL from a URL, passing each part as a separate bound argument."""
    u = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(u.query).items()}
    unknown = set(query) - _PG_QUERY_KEYS
    if unknown:
        raise CRMError(f"{_redact(url)}: unknown option(s) {sorted(unknown)}; allowed: "
                       f"{sorted(_PG_QUERY_KEYS)}.")
    schema = query.pop("schema", None)
    database = unquote(u.path.lstrip("/")) or None
    try:
        backend = ibis.postgres.connect(
            host=u.hostname or "localhost", port=u.port or 5432,
            user=unquote(u.username) if u.username else None,
            password=unquote(u.password) if u.password else None,
            database=database, schema=schema, **query)
    except Exception as e:  # the driver's own message says what failed (auth, host, ...)
        raise CRMError(f"cannot connect to {_redact(url)}: {e}") from e
    return CRM(backend, description=f"PostgreSQL {_redact(url)}", source=_redact(url))


def _redact(url: str) -> str:
    u = urlsplit(url)
    if u.password:
        netloc = u.netloc.replace(":" + u.password + "@", ":***@")
        return u._replace(netloc=netloc).geturl()
    return url


def _folder(path: Path, mapping: str) -> CRM:
    from crmlib.data.importer import import_files

    backend = ibis.duckdb.connect()
    result = import_files([path], mapping, into=backend, progress=False)
    if result.rejected:
        log.warning("%s: %d rows rejected on import; see crm.table('rejects')", path,
                    result.rejected)
    return CRM(backend, description=f"folder {path} (mapping {mapping}, in memory)",
               source=str(path))
