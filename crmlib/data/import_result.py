"""What an import did: the row counts per table, the rejected rows and the notes.

:func:`crmlib.data.importer.import_files` returns an :class:`ImportResult`; ``crm import``
prints its :meth:`~ImportResult.summary`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["TableResult", "ImportResult"]


@dataclass
class TableResult:
    """Row counts of one imported table: ``accepted + rejected == rows``, always.

    Parameters
    ----------
    table : str
        The canonical table.
    files : list of str
        Its source files.
    source_rows : int
        Data rows of its source files (more than ``rows`` when the mapping filters with
        ``where`` or groups with ``group_by``).
    rows : int
        Rows the mapping produced.
    accepted, rejected : int
        Rows loaded; rows rejected.
    """

    table: str
    files: list[str]
    source_rows: int
    rows: int
    accepted: int
    rejected: int


@dataclass
class ImportResult:
    """What :func:`~crmlib.data.importer.import_files` did: per-table counts, rejects and notes.

    Parameters
    ----------
    mapping : str
        The mapping's name.
    database : str
        Where the rows went.
    files : list of str
        The files read.
    tables : list of TableResult
        Counts per table.
    rejects : pandas.DataFrame
        The rejected rows, one per reason.
    defects : list of str
        Known defects of the source (from the mapping).
    findings : list of str
        What the import found and did.
    elapsed : float
        Seconds taken.
    """

    mapping: str
    database: str
    files: list[str]
    tables: list[TableResult]
    rejects: pd.DataFrame
    defects: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def rows(self) -> int:
        """Count the rows the mapping produced, all tables together."""
        return sum(t.rows for t in self.tables)

    @property
    def accepted(self) -> int:
        """Return the rows loaded, all tables together."""
        return sum(t.accepted for t in self.tables)

    @property
    def rejected(self) -> int:
        """Return the rows rejected, all tables together."""
        return sum(t.rejected for t in self.tables)

    def table(self, name: str) -> TableResult:
        """Get the counts of table ``name``.

        Parameters
        ----------
        name : str
            A canonical table.

        Returns
        -------
        TableResult
            Its counts: source rows, rows mapped, accepted and rejected.

        Raises
        ------
        KeyError
            The table was not imported.
        """
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(f"table `{name}` was not imported")

    def summary(self, *, max_reasons: int = 5) -> str:
        """Return a readable report: counts per table, known defects, findings and first rejects.

        Parameters
        ----------
        max_reasons : int, default=5
            Rejects listed.

        Returns
        -------
        str
            The report, one line per item.
        """
        n = len(self.files)
        out = [f"Imported {n} file{'s' * (n != 1)} with mapping `{self.mapping}` into "
               f"{self.database} in {self.elapsed:.1f} s.", ""]
        head = ("table", "source", "source rows", "rows", "accepted", "rejected")
        body = [(t.table, ", ".join(t.files), f"{t.source_rows:,}", f"{t.rows:,}",
                 f"{t.accepted:,}", f"{t.rejected:,}") for t in self.tables]
        body.append(("total", "", "", f"{self.rows:,}", f"{self.accepted:,}",
                     f"{self.rejected:,}"))
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        for j, r in enumerate([head, *body]):
            if j == len(body):
                out.append("  ".join("-" * w for w in widths))
            out.append("  ".join(v.ljust(w) if i < 2 else v.rjust(w)
                                 for i, (v, w) in enumerate(zip(r, widths, strict=True))).rstrip())
        wrap = textwrap.TextWrapper(width=100, initial_indent="  - ", subsequent_indent="    ")
        if self.defects:
            out += ["", "Known defects of this source, and what the mapping does about them:"]
            out += [wrap.fill(d) for d in self.defects]
        if self.findings:
            out += ["", "What this import found and did:"]
            out += [wrap.fill(f) for f in self.findings]
        out.append("")
        if self.rejected:
            out.append(f"{self.rejected:,} rows rejected; see the `rejects` table. First reasons:")
            for r in self.rejects.head(max_reasons).itertuples():
                out.append(wrap.fill(f"{r.source_file} row {r.row_number} ({r.table_name}): "
                                     f"{r.reason}."))
        else:
            out.append("No rows rejected.")
        return "\n".join(out)
