"""The canonical CRM data model in code: every table, column, type and rule.

This module is the single source of truth for ``docs/data-model.md`` and for
validation (:mod:`crmlib.data.validate`), connection checks
(:mod:`crmlib.data.connect`), the demo generator and the importer.

Types are ibis type names: ``string``, ``timestamp`` (naive local time),
``date``, ``float64`` (amounts, in the company currency), ``int64`` and
``boolean``. Ids are always strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "REQUIRED_TABLES",
    "LOAD_ORDER",
    "OUTCOMES",
    "table_spec",
]

OUTCOMES = ("open", "won", "lost", "invalid")
RECORD_STATUSES = ("approved", "pending", "rejected", "void", "draft")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name : str
        The column's name.
    dtype : str
        ``string``, ``int``, ``float``, ``bool``, ``date`` or ``timestamp``.
    required : bool, default=False
        Whether every source must provide it.
    doc : str, default=""
        What the column holds.
    allowed : tuple of str, optional
        The closed set of values it may take.
    min_value, max_value : float, optional
        Bounds of a number (e.g. 0 for amounts).
    derived : bool, default=False
        Computed on connect when the source lacks it.
    """

    name: str
    dtype: str
    required: bool = False
    doc: str = ""
    allowed: tuple[str, ...] | None = None  # closed set of values
    min_value: float | None = None  # e.g. 0 for amounts
    max_value: float | None = None
    derived: bool = False  # computed on connect when the source lacks it


@dataclass(frozen=True)
class Table:
    """One canonical table: its columns and the rules rows must follow.

    Parameters
    ----------
    name : str
        The table's name.
    columns : tuple of Column
        Its columns.
    doc : str, default=""
        What a row is.
    optional : bool, default=True
        Whether a source may lack the table.
    key : tuple of str, default=()
        Columns unique per row; also what a re-import replaces.
    replace_by : tuple of str, default=()
        For key-less child tables: the columns whose group a re-import replaces.
    references : dict
        Column -> (table, column) it must refer to.
    soft_references : dict
        Column -> (table, column); a dangling one is warned about and kept.
    ordered : tuple of (str, str), default=()
        Pairs of date columns where the later must not be before the earlier.
    """

    name: str
    columns: tuple[Column, ...]
    doc: str = ""
    optional: bool = True
    key: tuple[str, ...] = ()  # unique per row; also what a re-import replaces
    replace_by: tuple[str, ...] = ()  # key-less child tables: re-import replaces the group
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # col -> (table, col)
    soft_references: dict[str, tuple[str, str]] = field(default_factory=dict)  # warned, kept
    ordered: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs: later >= earlier

    @property
    def required(self) -> list[str]:
        """Return the names of the required columns."""
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        """The names of all columns, in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Look up column ``name`` of the table.

        Parameters
        ----------
        name : str
            A column of the table.

        Returns
        -------
        Column
            Its spec: type, whether it is required, allowed values and bounds, description.

        Raises
        ------
        KeyError
            No such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def replace_key(self) -> tuple[str, ...]:
        """Columns whose values a re-import replaces: the group for child tables, else the key."""
        return self.replace_by or self.key


def _c(name, dtype="string", required=False, doc="", **kw) -> Column:
    return Column(name, dtype, required, doc, **kw)


def _amount(name, required=False, doc="amount in the company currency") -> Column:
    return Column(name, "float64", required, doc, min_value=0)


_status = _c("status", doc="approved / pending / rejected / void / draft; effective = approved",
             allowed=RECORD_STATUSES)

_TABLE_LIST = [
    Table(
        "employees",
        (
            _c("employee_id", required=True),
            _c("name", required=True),
            _c("team", required=True, doc="what reports are run per"),
            _c("department"),
            _c("region"),
            _c("manager_id", doc="employee_id of the manager; gives self and subordinates"),
            _c("active", "boolean"),
        ),
        doc="Sales staff.",
        optional=False,
        key=("employee_id",),
        soft_references={"manager_id": ("employees", "employee_id")},
    ),
    Table(
        "customers",
        (
            _c("customer_id", required=True),
            _c("name", required=True),
            _c("created_at", "timestamp", required=True),
            _c("owner_id", doc="empty = in the public pool"),
            _c("industry"),
            _c("level"),
            _c("source"),
            _c("province"),
            _c("city"),
            _c("phone", doc="personal data: masked in reports"),
            _c("email", doc="personal data: masked in reports"),
            _c("status", doc="active / locked / deleted", allowed=("active", "locked", "deleted")),
            _c("dealt_at", "timestamp", derived=True,
               doc="signed_at of the first effective contract (derived when absent)"),
            _c("last_followup_at", "timestamp"),
            _c("next_followup_at", "timestamp"),
        ),
        doc="Customers (accounts).",
        optional=False,
        key=("customer_id",),
        references={"owner_id": ("employees", "employee_id")},
    ),
    Table(
        "contacts",
        (
            _c("contact_id", required=True),
            _c("customer_id", required=True),
            _c("name", required=True),
            _c("created_at", "timestamp", required=True),
            _c("owner_id"),
            _c("title"),
            _c("phone", doc="personal data: masked in reports"),
            _c("email", doc="personal data: masked in reports"),
        ),
        doc="People at customers.",
        key=("contact_id",),
        references={"customer_id": ("customers", "customer_id"),
                    "owner_id": ("employees", "employee_id")},
    ),
    Table(
        "leads",
        (
            _c("lead_id", required=True),
            _c("created_at", "timestamp", required=True),
            _c("source"),
            _c("owner_id"),
            _c("name"),
            _c("status", doc="open / converted / disqualified",
               allowed=("open", "converted", "disqualified")),
            _c("converted_customer_id"),
            _c("converted_at", "timestamp"),
            _c("disqualified_reason"),
            # optional lead attributes of web-lead sources (X Education); the lead-scoring
            # model uses whichever a source fills (crmlib.scoring)
            _c("origin", doc="how the lead was captured: web form, import, API, chat, ..."),
            _c("industry", doc="the lead's industry or field of work"),
            _c("city"),
            _c("occupation", doc="the lead's occupation (student, working professional, ...)"),
            Column("visits", "int64", False, "website visits", min_value=0),
            Column("time_on_site", "float64", False,
                   "total time spent on the website, in the source's unit", min_value=0),
            Column("pages_per_visit", "float64", False, "page views per website visit",
                   min_value=0),
            _c("last_activity", doc="the lead's last recorded activity (e-mail opened, form "
               "submitted, ...) when the data was exported: it may postdate the conversion"),
            _c("do_not_email", "boolean", doc="the lead opted out of e-mail"),
            _c("do_not_call", "boolean", doc="the lead asked not to be called"),
        ),
        doc="Pre-sale leads. The columns from `origin` on are optional lead attributes that "
            "web-lead sources carry; the lead-scoring model uses those a source fills.",
        key=("lead_id",),
        references={"owner_id": ("employees", "employee_id"),
                    "converted_customer_id": ("customers", "customer_id")},
        ordered=(("created_at", "converted_at"),),
    ),
    Table(
        "campaigns",
        (
            _c("campaign_id", required=True),
            _c("source", required=True),
            _amount("cost", required=True, doc="marketing spend"),
            _c("started_at", "timestamp"),
            _c("ended_at", "timestamp"),
            _c("name"),
        ),
        doc="Marketing spend, for cost per lead and ROI by source.",
        key=("campaign_id",),
        ordered=(("started_at", "ended_at"),),
    ),
    Table(
        "pipeline_stages",
        (
            _c("pipeline", required=True, doc="default pipeline: `default`"),
            _c("stage", required=True),
            _c("stage_order", "int64", required=True),
            _c("probability", "float64", min_value=0, max_value=1, doc="win probability, 0..1"),
            _c("outcome", allowed=OUTCOMES,
               doc="extension: open / won / lost / invalid; derived from the stage name when absent"),
        ),
        doc="Stages of each pipeline, in order.",
        key=("pipeline", "stage"),
    ),
    Table(
        "opportunities",
        (
            _c("opportunity_id", required=True),
            _c("owner_id", required=True),
            _c("stage", required=True),
            _c("customer_id"),
            _amount("amount"),
            _c("created_at", "timestamp"),
            _c("pipeline"),
            _c("name"),
            _c("product_id"),
            _c("expected_close_at", "timestamp"),
            _c("closed_at", "timestamp"),
            _c("outcome", allowed=OUTCOMES, derived=True,
               doc="open / won / lost / invalid (derived from the stage when absent)"),
            _c("lost_reason"),
        ),
        doc="Sales opportunities (商机).",
        key=("opportunity_id",),
        references={"owner_id": ("employees", "employee_id"),
                    "customer_id": ("customers", "customer_id"),
                    "product_id": ("products", "product_id")},
        ordered=(("created_at", "closed_at"),),
    ),
    Table(
        "stage_history",
        (
            _c("opportunity_id", required=True),
            _c("stage", required=True),
            _c("entered_at", "timestamp", required=True),
        ),
        doc="One row per stage an opportunity entered.",
        key=("opportunity_id", "stage", "entered_at"),
        replace_by=("opportunity_id",),
        references={"opportunity_id": ("opportunities", "opportunity_id")},
    ),
    Table(
        "contracts",
        (
            _c("contract_id", required=True),
            _c("customer_id", required=True),
            _c("owner_id", required=True),
            _c("signed_at", "timestamp", required=True),
            _amount("amount", required=True),
            _status,
            _c("opportunity_id"),
            _c("start_at", "timestamp"),
            _c("end_at", "timestamp"),
            _c("name"),
        ),
        doc="Contracts or orders.",
        optional=False,
        key=("contract_id",),
        references={"customer_id": ("customers", "customer_id"),
                    "owner_id": ("employees", "employee_id"),
                    "opportunity_id": ("opportunities", "opportunity_id")},
        ordered=(("start_at", "end_at"),),
    ),
    Table(
        "contract_lines",
        (
            _c("contract_id", required=True),
            _c("product_id", required=True),
            Column("quantity", "float64", True, "units", min_value=0),
            _amount("amount", required=True, doc="the line's value after discount"),
            _amount("unit_price"),
            _c("discount", "float64", min_value=0, max_value=1, doc="share off the list price, 0..1"),
            _c("line_no", "int64", doc="extension: position within the contract"),
        ),
        doc="Products on a contract.",
        key=("contract_id", "line_no"),
        replace_by=("contract_id",),
        references={"contract_id": ("contracts", "contract_id"),
                    "product_id": ("products", "product_id")},
    ),
    Table(
        "products",
        (
            _c("product_id", required=True),
            _c("name", required=True),
            _c("category"),
            _c("series"),
            _amount("list_price"),
            _c("active", "boolean"),
        ),
        doc="Products and their categories.",
        key=("product_id",),
    ),
    Table(
        "payments",
        (
            _c("payment_id", required=True),
            _c("contract_id", required=True),
            _c("paid_at", "timestamp", required=True),
            _amount("amount", required=True),
            _c("customer_id"),
            _status,
            _c("method"),
        ),
        doc="Payments received (回款).",
        key=("payment_id",),
        references={"contract_id": ("contracts", "contract_id"),
                    "customer_id": ("customers", "customer_id")},
    ),
    Table(
        "payment_plans",
        (
            _c("contract_id", required=True),
            _c("due_at", "timestamp", required=True),
            _amount("amount", required=True),
            _amount("received_amount"),
        ),
        doc="Expected payments.",
        key=("contract_id", "due_at"),
        references={"contract_id": ("contracts", "contract_id")},
    ),
    Table(
        "invoices",
        (
            _c("invoice_id", required=True),
            _c("contract_id", required=True),
            _c("issued_at", "timestamp", required=True),
            _amount("amount", required=True),
            _c("status"),
            _c("type"),
        ),
        doc="Invoices issued.",
        key=("invoice_id",),
        references={"contract_id": ("contracts", "contract_id")},
    ),
    Table(
        "activities",
        (
            _c("activity_id", required=True),
            _c("employee_id", required=True),
            _c("at", "timestamp", required=True),
            _c("customer_id"),
            _c("entity_type"),
            _c("entity_id"),
            _c("kind", doc="follow_up / sign_in / other", allowed=("follow_up", "sign_in", "other")),
            _c("channel", doc="phone / visit / email / message / ..."),
        ),
        doc="Follow-ups and other activities.",
        key=("activity_id",),
        references={"employee_id": ("employees", "employee_id"),
                    "customer_id": ("customers", "customer_id")},
    ),
    Table(
        "owner_changes",
        (
            _c("customer_id", required=True),
            _c("changed_at", "timestamp", required=True),
            _c("from_owner_id"),
            _c("to_owner_id"),
            _c("reason", doc="pool_in / pool_out / reassign",
               allowed=("pool_in", "pool_out", "reassign")),
        ),
        doc="Owner changes: the public-pool history.",
        key=("customer_id", "changed_at"),
        references={"customer_id": ("customers", "customer_id")},
    ),
    Table(
        "targets",
        (
            _c("owner_type", required=True, doc="employee / team / company",
               allowed=("employee", "team", "company")),
            _c("owner_id", required=True),
            _c("metric", required=True, doc="contract_amount / payment_amount / new_customers / ..."),
            _c("month", "date", required=True, doc="first day of the month"),
            Column("value", "float64", True, "target value", min_value=0),
        ),
        doc="Monthly targets.",
        key=("owner_type", "owner_id", "metric", "month"),
    ),
    Table(
        "visits",
        (
            _c("visit_id", required=True),
            _c("customer_id", required=True),
            _c("visited_at", "timestamp", required=True),
            Column("score", "int64", True, "satisfaction 1..5 (5 = very satisfied)",
                   min_value=1, max_value=5),
            _c("employee_id"),
            _c("contract_id"),
            _c("product_id"),
        ),
        doc="Customer visits with satisfaction scores.",
        key=("visit_id",),
        references={"customer_id": ("customers", "customer_id"),
                    "employee_id": ("employees", "employee_id"),
                    "contract_id": ("contracts", "contract_id"),
                    "product_id": ("products", "product_id")},
    ),
    Table(
        "returns",
        (
            _c("return_id", required=True),
            _c("contract_id", required=True),
            _c("returned_at", "timestamp", required=True),
            _amount("amount", required=True),
            _c("product_id"),
            Column("quantity", "float64", False, "units", min_value=0),
            _c("reason"),
        ),
        doc="After-sale returns and refunds.",
        key=("return_id",),
        references={"contract_id": ("contracts", "contract_id"),
                    "product_id": ("products", "product_id")},
    ),
]

TABLES: dict[str, Table] = {t.name: t for t in _TABLE_LIST}
REQUIRED_TABLES = [t.name for t in _TABLE_LIST if not t.optional]

# Parents before children, so references can be checked against loaded rows.
LOAD_ORDER = [
    "employees", "products", "pipeline_stages", "customers", "contacts", "campaigns", "leads",
    "opportunities", "stage_history", "contracts", "contract_lines", "payments", "payment_plans",
    "invoices", "activities", "owner_changes", "targets", "visits", "returns",
]
assert sorted(LOAD_ORDER) == sorted(TABLES)


def table_spec(name: str) -> Table:
    """Look up the spec of canonical table ``name``.

    Parameters
    ----------
    name : str
        A canonical table.

    Returns
    -------
    Table
        Its columns (name, type, rules), whether it is optional and its key, from :data:`TABLES`.

    Raises
    ------
    KeyError
        Unknown table, with a suggestion.
    """
    try:
        return TABLES[name]
    except KeyError:
        import difflib

        hint = difflib.get_close_matches(name, TABLES, n=1)
        msg = f"unknown table `{name}`" + (f"; did you mean `{hint[0]}`?" if hint else "")
        raise KeyError(msg) from None


def to_markdown() -> str:
    """Return the data model as Markdown: the body of ``docs/data-model.md`` (a test keeps them equal).

    Returns
    -------
    str
        The Markdown text: one section per table with its column table.
    """
    out = [
        "# The data model",
        "",
        "Generated from `crmlib/data/schema.py` by `python -m crmlib.data.schema`; do not edit by",
        "hand. Ids are text; timestamps are naive local time; amounts are in the company currency.",
        "Tables marked *optional* may be absent: the figures that need them say so instead of",
        "failing. **Required** columns must be present and non-empty. *Derived* columns are",
        "computed by `crmlib.connect()` when the source leaves them empty.",
        "",
    ]
    for t in _TABLE_LIST:
        flag = "required table" if not t.optional else "optional table"
        out += [f"## `{t.name}` ({flag})", "", t.doc, ""]
        if t.key:
            out.append(f"Unique key: {', '.join(f'`{k}`' for k in t.key)}. "
                       f"A re-import replaces rows with the same "
                       f"{', '.join(f'`{k}`' for k in t.replace_key)}.")
            out.append("")
        out += ["| column | type | required | rule | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            rules = []
            if c.allowed:
                rules.append(" / ".join(c.allowed))
            if c.min_value is not None:
                rules.append(f">= {c.min_value:g}")
            if c.max_value is not None:
                rules.append(f"<= {c.max_value:g}")
            ref = t.references.get(c.name) or t.soft_references.get(c.name)
            if ref:
                soft = " (not enforced)" if c.name in t.soft_references else ""
                rules.append(f"refers to `{ref[0]}.{ref[1]}`{soft}")
            for a, b in t.ordered:
                if c.name == b:
                    rules.append(f"not before `{a}`")
            doc = c.doc + (" *Derived.*" if c.derived else "")
            out.append(f"| `{c.name}` | {c.dtype} | {'**yes**' if c.required else ''} | "
                       f"{'; '.join(rules)} | {doc.strip()} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(to_markdown())
