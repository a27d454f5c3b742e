"""The CRM object: canonical tables over one ibis backend, with the data-contract check.

:func:`crmlib.data.connect.connect` makes one from a source; :class:`CRM` exposes each canonical
table (:mod:`crmlib.data.schema`) as an ibis table, derives the computed columns, and checks
required tables, columns and types.
"""

from __future__ import annotations

import difflib

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from crmlib.data.schema import LOAD_ORDER, REQUIRED_TABLES, TABLES
from crmlib.data.store import read_meta
from crmlib.exceptions import CRMDataError, CRMError

__all__ = ["CRM", "stage_outcome"]

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
    """Return the outcome implied by a stage's name: ``won``, ``lost``, ``invalid`` or ``open``.

    Used when ``pipeline_stages`` lacks an ``outcome``; e.g. ``stage_outcome("Won") == "won"``.

    Parameters
    ----------
    stage : str or None
        A stage name (case and surrounding blanks ignored).

    Returns
    -------
    str
        ``won``, ``lost``, ``invalid`` or ``open`` (when the name says none of the others).
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

    Use :func:`crmlib.connect` to make one. ``crm.table("contracts")`` returns an ibis table with
    exactly the canonical columns and types (absent optional columns are typed nulls; derived
    columns such as ``customers.dealt_at`` and ``opportunities.outcome`` are computed when the
    source lacks them). ``crm.tables()`` maps every present table name to its ibis table.

    Parameters
    ----------
    backend : ibis backend
        The connection holding the tables.
    description : str
        What the source is, for messages.
    source : object, optional
        The source it was opened from (a path, a redacted URL, a session).
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
        """Return whether the source holds canonical table ``name`` (optional tables may be absent).

        Parameters
        ----------
        name : str
            A canonical table name.

        Returns
        -------
        bool
            True when the table is present.
        """
        return name in self._present

    def table(self, name: str) -> ibis.Table:
        """Return the canonical table ``name`` as an ibis expression (lazy: nothing is read yet).

        Parameters
        ----------
        name : str
            A canonical table name.

        Returns
        -------
        ibis.Table
            The table with its canonical columns, cached per name.

        Raises
        ------
        CRMError
            ``name`` is not a table of the data model.
        CRMDataError
            The source has no such table.
        """
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
        """Return ``expr`` computed once into a temporary table when ``reuse_intermediates`` is on.

        Else ``expr`` itself. For scope-free intermediates that every selection of an interactive
        session needs (each customer's last follow-up as of a day): the dashboards turn it on;
        reports, which need each once, leave it off. The last :attr:`REUSE_KEEP` distinct ones are
        kept (an equal expression finds its table); older ones are dropped.

        Parameters
        ----------
        expr : ibis.Table
            Any expression over this connection.

        Returns
        -------
        ibis.Table
            A table over the kept result, or ``expr`` itself when reuse is off.
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
        """Return every canonical table the source holds, in load order.

        Returns
        -------
        dict of str to ibis.Table
            Table name -> ibis table, for every table present.
        """
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
        """Derive outcome from the stage: pipeline_stages.outcome, else the stage's name."""
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
        """Check required tables, columns and types.

        Returns
        -------
        CRM
            Itself.

        Raises
        ------
        CRMDataError
            Listing every problem at once.
        """
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
        """Return the latest event in the data (signed, paid, created, followed up), as a day.

        The default ``as_of`` of reports, so that they are reproducible on historical data.

        Returns
        -------
        pandas.Timestamp
            Midnight of the day of the latest event.

        Raises
        ------
        CRMDataError
            The data hold no dated events.
        """
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
        """Return rows and date range per present table.

        Returns
        -------
        pandas.DataFrame
            Columns table, rows, first, last.
        """
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
        """Close the connection."""
        self.backend.disconnect()

    def __enter__(self) -> CRM:
        """Return the CRM itself (``with connect() as crm: ...``)."""
        return self

    def __exit__(self, *exc) -> None:
        """Close the connection."""
        self.close()

    def __repr__(self) -> str:
        """Return ``<CRM description: N tables>``."""
        return f"<CRM {self.description}: {len(self._present & set(TABLES))} tables>"


def _did_you_mean(name: str, candidates) -> str:
    hint = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean `{hint[0]}`?" if hint else ""
