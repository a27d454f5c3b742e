"""What an import reads from: named source tables, read on demand and once.

A mapping names its sources by file name globs (``sales_pipeline.csv``, ``wk_crm_customer``).
:class:`Sources` holds the names a source offers and reads each one, at most once per sheet,
into a frame of text as :func:`crmlib.data.readers.read_file` gives it (values ``str`` or
``None``, index = 1-based data row number). :func:`file_sources` offers the files of paths and
folders; a database source offers its tables the same way, so that mappings, lookups and the
importer need not know where a table came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from crmlib.data.readers import SUPPORTED_SUFFIXES, read_file
from crmlib.exceptions import CRMDataError

__all__ = ["Sources", "file_sources", "collect_files"]


class Sources:
    """Named source tables, each read on first use and then kept.

    Parameters
    ----------
    names : list of str
        The tables offered (file names, or a database's table names), in order.
    reader : callable
        ``reader(name, sheet)`` returns the frame of one table (see module docstring).
    explicit : iterable of str, optional
        Names the user asked for by name: one that no mapping table reads is an error
        rather than a note.
    kind : str, default="file"
        What a name is, for messages ("file", "table").
    label : str, optional
        The whole source in one phrase, for summaries (default: the names joined).
    """

    def __init__(self, names: list[str], reader: Callable[[str, str | None], pd.DataFrame],
                 *, explicit=(), kind: str = "file", label: str | None = None):
        self.names = list(names)
        self.explicit = set(explicit)
        self.kind = kind
        self.label = label
        self._reader = reader
        self._cache: dict[tuple[str, str | None], pd.DataFrame] = {}

    def match(self, globs: list[str]) -> list[str]:
        """Return the names matching any of ``globs`` (case-insensitive), in source order.

        Parameters
        ----------
        globs : list of str
            Shell-style patterns (``*.csv``, ``wk_crm_customer``).

        Returns
        -------
        list of str
            The matching names.
        """
        return [n for n in self.names if any(fnmatch(n.lower(), g.lower()) for g in globs)]

    def read(self, name: str, sheet: str | None = None) -> pd.DataFrame:
        """Return the frame of source table ``name`` (read once, then cached).

        Parameters
        ----------
        name : str
            One of :attr:`names`.
        sheet : str, optional
            Worksheet of a workbook.

        Returns
        -------
        pandas.DataFrame
            Values ``str`` or ``None``; index = 1-based data row number.

        Raises
        ------
        CRMDataError
            The table cannot be read (the reader's message, naming it).
        """
        key = (name, sheet)
        if key not in self._cache:
            self._cache[key] = self._reader(name, sheet)
        return self._cache[key]


def collect_files(paths) -> tuple[list[Path], set[Path]]:
    """Expand ``paths`` (files and folders) into the supported files.

    Folders are read one level deep, hidden files skipped.

    Parameters
    ----------
    paths : path or list of paths
        Files and folders.

    Returns
    -------
    tuple of (list of pathlib.Path, set of pathlib.Path)
        The files, and the set of those named explicitly.

    Raises
    ------
    CRMDataError
        A folder holds no supported file, or a path does not exist.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files, explicit = [], set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                           and f.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise CRMDataError(f"{p}: the folder has no CSV, Excel or Parquet files.")
            files += found
        elif p.is_file():
            files.append(p)
            explicit.add(p)
        else:
            raise CRMDataError(f"{p}: no such file or folder; check the path.")
    unique = {f.resolve(): f for f in reversed(files)}  # a file given twice is read once
    return [f for f in files if unique[f.resolve()] is f], explicit


def file_sources(paths) -> Sources:
    """Return the supported files of ``paths`` (files and folders) as :class:`Sources`.

    Parameters
    ----------
    paths : path or list of paths
        Files and folders (read one level deep).

    Returns
    -------
    Sources
        One name per file (its file name); the first file of a name wins.

    Raises
    ------
    CRMDataError
        A folder holds no supported file, or a path does not exist.
    """
    files, explicit = collect_files(paths)
    by_name: dict[str, Path] = {}
    for f in files:
        by_name.setdefault(f.name, f)
    return Sources(list(by_name), lambda name, sheet: read_file(by_name[name], sheet=sheet),
                   explicit={f.name for f in explicit}, kind="file")
