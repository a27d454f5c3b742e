"""Connect to CRM data and expose each canonical table as an ibis table.

``connect()`` is the one door to data for every metric, notebook and dashboard. It accepts the
embedded DuckDB file (the default), another DuckDB file, a PostgreSQL URL, an Apache Spark master
URL or session (:mod:`crmlib.data.spark`), a folder of exported files plus a mapping, or an
already-open ibis backend; it checks the data contract
(:mod:`crmlib.data.schema`) and reports every problem at once.
"""

from __future__ import annotations

import difflib
import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from crmlib import config
from crmlib.data.schema import LOAD_ORDER, REQUIRED_TABLES, TABLES
from crmlib.data.store import read_meta
from crmlib.exceptions import CRMDataError, CRMError

__all__ = ["CRM", "connect", "from_frames", "stage_outcome"]

log = logging.getLogger(__name__)

# Stage names that imply an outcome when pipeline_stages does not say (case-insensitive).
_OUTCOME_NAMES = {
    "won": ("won", "win", "closed won", "closed_won", "赢单", "成交"),
    "lost": ("lost", "closed lost", "closed_lost", "输单"),
    "invalid": ("invalid", "无效"),
}
_EVENT_COLUMNS = [("contracts", "signed_at"), ("payments", "paid_at"), ("customers", "created_at"),
                  ("opportunities", "created_at"), ("activities", "at"), ("leads", "created_at")]
_TYPE_FAMILY = {"string": "text", "float64": "number", "int64": "number",
                "timestamp": "date/time", "date": "date/time", "boolean": "true/false"}


def stage_outcome(stage: str | None) -> str:
    """Outcome implied by a stage's name: ``won``, ``lost``, ``invalid`` or ``open``.

    Used when ``pipeline_stages`` lacks an ``outcome``; e.g. ``stage_outcome("Won") == "won"``.
    """
    s = (stage or "").strip().lower()
    for outcome, names in _OUTCOME_NAMES.items():
        if s in names:
            return outcome
    return "open"


def _family(dtype: dt.DataType) -> str | None:
    if dtype.is_string():
        return "text"
    if dtype.is_integer() or dtype.is_floating() or dtype.is_decimal():
        return "number"
    if dtype.is_timestamp() or dtype.is_date():
        return "date/time"
    if dtype.is_boolean():
        return "true/false"
    return None


class CRM:
    """CRM data behind one ibis backend, as canonical tables.

    Use :func:`connect` to make one. ``crm.table("contracts")`` returns an ibis table with exactly
    the canonical columns and types (absent optional columns are typed nulls; derived columns
    such as ``customers.dealt_at`` and ``opportunities.outcome`` are computed when the source
    lacks them). ``crm.tables()`` maps every present table name to its ibis table.
    """

    REUSE_KEEP = 8  # intermediates kept by reuse()

    def __init__(self, backend, *, description: str, source: object = None):
        self.backend = backend
        self.description = description
        self.source = source
        self.reuse_intermediates = False
        self._present = set(backend.list_tables())
        self._cache: dict[str, ibis.Table] = {}
        self._kept: dict = {}

    # -- tables ---------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether the source holds canonical table ``name`` (optional tables may be absent)."""
        return name in self._present

    def table(self, name: str) -> ibis.Table:
        """The canonical table ``name`` as an ibis expression (lazy: nothing is read yet)."""
        if name not in TABLES:
            hint = difflib.get_close_matches(name, TABLES, n=1)
            raise CRMError(f"`{name}` is not a table of the data model"
                           + (f"; did you mean `{hint[0]}`?" if hint else ".")
                           + " See docs/data-model.md.")
        if name not in self._cache:
            if name not in self._present:
                raise CRMDataError(
                    f"{self.description}: has no `{name}` table. It is optional in the data "
                    "model; figures that need it should say so instead of failing.")
            self._cache[name] = self._canonical(name)
        return self._cache[name]

    def reuse(self, expr: ibis.Table) -> ibis.Table:
        """``expr`` computed once into a temporary table of this connection when
        ``reuse_intermediates`` is on, else ``expr`` itself.

        For scope-free intermediates that every selection of an interactive session needs
        (each customer's last follow-up as of a day): the dashboards turn it on; reports, which
        need each once, leave it off. The last :attr:`REUSE_KEEP` distinct ones are kept (an
        equal expression finds its table); older ones are dropped.
        """
        if not self.reuse_intermediates:
            return expr
        key = expr.op()
        if key not in self._kept:
            self._kept[key] = expr.cache()
            while len(self._kept) > self.REUSE_KEEP:
                self._kept.pop(next(iter(self._kept)))  # ibis drops it once unreferenced
        return self._kept[key]

    def tables(self) -> dict[str, ibis.Table]:
        """Every canonical table the source holds, in load order."""
        return {n: self.table(n) for n in LOAD_ORDER if n in self._present}

    @property
    def meta(self) -> dict[str, str]:
        """Key/value notes stored with the data (demo seed, last import, ...)."""
        return read_meta(self.backend)

    def _canonical(self, name: str) -> ibis.Table:
        spec = TABLES[name]
        raw = self.backend.table(name)
        cols = {}
        for c in spec.columns:
            target = dt.dtype(c.dtype)
            if c.name in raw.columns:
                col = raw[c.name]
                cols[c.name] = col if col.type().copy(nullable=True) == target else col.cast(target)
            else:
                cols[c.name] = ibis.null().cast(target)
        t = raw.select(**cols)
        if name == "customers":
            t = self._derive_dealt_at(t)
        elif name == "opportunities":
            t = self._derive_outcome(t)
        return t

    def _all_null(self, table: ibis.Table, column: str) -> bool:
        return int(table[column].count().execute()) == 0

    def _derive_dealt_at(self, customers: ibis.Table) -> ibis.Table:
        """dealt_at = signed_at of the customer's first effective (approved) contract."""
        if not self._all_null(customers, "dealt_at") or not self.has("contracts"):
            return customers
        c = self.table("contracts")
        first = (c.filter(c.status.isnull() | (c.status == "approved"))
                 .group_by("customer_id").aggregate(_first_deal=c.signed_at.min()))
        j = customers.left_join(first, "customer_id")
        return j.select(*[j[n] for n in customers.columns if n != "dealt_at"],
                        dealt_at=j._first_deal).select(*customers.columns)

    def _derive_outcome(self, opps: ibis.Table) -> ibis.Table:
        """outcome from the stage: pipeline_stages.outcome, else the stage's name."""
        if not self._all_null(opps, "outcome"):
            return opps
        by_name = ibis.literal("open")
        for outcome, names in reversed(list(_OUTCOME_NAMES.items())):
            by_name = ibis.ifelse(opps.stage.lower().strip().isin(list(names)),
                                  outcome, by_name)
        if not self.has("pipeline_stages"):
            return opps.mutate(outcome=by_name)
        ps = self.table("pipeline_stages").select(
            _pipeline="pipeline", _stage="stage", _outcome="outcome")
        opps = opps.mutate(_by_name=by_name)
        pipe = opps.pipeline.fill_null("default")
        j = opps.left_join(ps, (pipe == ps._pipeline) & (opps.stage == ps._stage))
        return j.mutate(outcome=j._outcome.fill_null(j._by_name)).select(*TABLES[
            "opportunities"].names)

    # -- checks -----------------------------------------------------------------------------
    def check(self) -> CRM:
        """Check required tables, columns and types; raise CRMDataError listing every problem."""
        problems = []
        for name in REQUIRED_TABLES:
            if name not in self._present:
                problems.append(f"required table `{name}` is missing"
                                + _did_you_mean(name, self._present - set(TABLES)))
        for name in LOAD_ORDER:
            if name not in self._present:
                continue
            schema = self.backend.table(name).schema()
            for c in TABLES[name].columns:
                if c.name not in schema:
                    if c.required:
                        problems.append(f"{name}: required column `{c.name}` is missing"
                                        + _did_you_mean(c.name, set(schema) - set(
                                            TABLES[name].names)))
                    continue
                want, got = _TYPE_FAMILY[c.dtype], _family(schema[c.name])
                if want != got:
                    problems.append(f"{name}.{c.name} holds {schema[c.name]} values; expected "
                                    f"{want} ({c.dtype}). Convert the column or map it with "
                                    "`crm import`.")
        if problems:
            raise CRMDataError(f"{self.description} does not follow the data model "
                               f"({len(problems)} problem{'s' * (len(problems) > 1)}):", problems)
        return self

    # -- summary ----------------------------------------------------------------------------
    def last_event_date(self) -> pd.Timestamp:
        """The latest event in the data (signed, paid, created, followed up): the default
        ``as_of`` of reports, so that they are reproducible on historical data."""
        latest = []
        for name, col in _EVENT_COLUMNS:
            if self.has(name):
                v = self.table(name)[col].max().execute()
                if v is not None and not pd.isna(v):
                    latest.append(pd.Timestamp(v))
        if not latest:
            raise CRMDataError(f"{self.description}: holds no dated events; pass `as_of`.")
        return max(latest).normalize()

    def summary(self) -> pd.DataFrame:
        """Rows and date range per present table: columns table, rows, first, last."""
        from crmlib.data.schema import TABLES as T

        rows = []
        for name, t in self.tables().items():
            date_cols = [c.name for c in T[name].columns
                         if c.dtype in ("timestamp", "date") and c.required]
            aggs = {"rows": t.count()}
            if date_cols:
                aggs |= {"first": t[date_cols[0]].min(), "last": t[date_cols[0]].max()}
            r = t.aggregate(**aggs).execute().iloc[0].to_dict()
            rows.append({"table": name, "rows": int(r["rows"]),
                         "first": r.get("first"), "last": r.get("last")})
        return pd.DataFrame(rows, columns=["table", "rows", "first", "last"])

    def close(self) -> None:
        self.backend.disconnect()

    def __enter__(self) -> CRM:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CRM {self.description}: {len(self._present & set(TABLES))} tables>"


def _did_you_mean(name: str, candidates) -> str:
    hint = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean `{hint[0]}`?" if hint else ""


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
    """A CRM held in memory (DuckDB) from canonical pandas frames: for tests and quick looks.

    Frames need the required columns; optional ones may be left out. Values are cast to the
    canonical types (see :func:`crmlib.data.store.conform`); they are not validated row by row
    (use ``crm import`` for untrusted files).
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
    """The file of a ``duckdb://`` URL: ``duckdb:///tmp/x.duckdb`` is absolute, ``duckdb://data/x.duckdb``
    relative."""
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
