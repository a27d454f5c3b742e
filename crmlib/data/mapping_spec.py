"""What a mapping file holds once loaded: its tables and columns, as dataclasses.

:mod:`crmlib.data.mapping` builds them from YAML and checks them; :mod:`crmlib.data.mapped`
applies them to source frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ColumnMap", "TableMap", "Mapping"]


@dataclass
class ColumnMap:
    """Where one canonical column comes from.

    Its fields are the keys of a column's entry, as the module docstring shows.

    Parameters
    ----------
    column : str, optional
        The source column it is read from.
    value : str, optional
        A constant instead of a source column.
    values : dict of str to str
        Source value -> canonical value (codes such as Wukong's ``1`` -> ``approved``).
    format : str, optional
        The date format of the source column.
    when : dict of str to list of str
        The value is taken only on rows whose source columns hold these values.
    agg : str, default="first"
        How the rows of a group are combined: first, last, sum, min, max or count.
    sequence : list of str, optional
        Source columns within whose equal values rows are numbered 1, 2, ...
    """

    column: str | None = None
    value: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    when: dict[str, list[str]] = field(default_factory=dict)
    agg: str = "first"
    sequence: list[str] | None = None


@dataclass
class TableMap:
    """How one canonical table is built.

    Its fields are the keys of a table's entry, as the module docstring shows.

    Parameters
    ----------
    table : str
        The canonical table.
    files : list of str
        The source files (the entry's ``file``).
    sheet : str, optional
        The sheet of a workbook.
    where : dict of str to list of str
        Only source rows whose columns hold these values.
    sort_by : tuple, optional
        A source date column and its format: the order that first/last follow.
    group_by : list of str
        Source columns whose equal values make one canonical row.
    columns : dict of str to ColumnMap
        How each canonical column is read.
    canonical : bool, default=False
        True for ``columns: canonical`` (the source already has the canonical names).
    rows : list of dict, optional
        Rows written inline in the mapping instead of read from a file.
    derive : dict
        Columns derived from another table: column -> (how, table, column, by).
    """

    table: str
    files: list[str] = field(default_factory=list)
    sheet: str | None = None
    where: dict[str, list[str]] = field(default_factory=dict)
    sort_by: tuple[str, str | None] | None = None
    group_by: list[str] = field(default_factory=list)
    columns: dict[str, ColumnMap] = field(default_factory=dict)
    canonical: bool = False
    rows: list[dict] | None = None
    derive: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)  # how, tbl, col, by


@dataclass
class Mapping:
    """A loaded, checked mapping file.

    Parameters
    ----------
    name : str
        The mapping's name.
    path : pathlib.Path
        Its file.
    description : str
        One line on the source.
    defects : list of str
        What is wrong with the source and what the mapping does about it.
    tables : dict of str to TableMap
        Canonical table -> how it is built.
    """

    name: str
    path: Path
    description: str = ""
    defects: list[str] = field(default_factory=list)
    tables: dict[str, TableMap] = field(default_factory=dict)
