"""Read CSV, Excel and Parquet source files into frames of text, evaluating nothing.

Every cell comes back as a Python ``str`` (or ``None`` when empty): a cell holding ``=SUM(A1:A3)``
stays that literal text, numbers and dates are parsed later by :mod:`crmlib.data.validate`
against the data model. The frame's index holds each row's **1-based data row number**: the
header is not counted, so data row 1 is line 2 of a CSV file and sheet row 2 of a workbook whose
header is on row 1. Blank rows are dropped but keep their numbers counted, so a row number in a
message always points at the same row of the file.

CSV encodings: UTF-8 (a byte-order mark is stripped), UTF-16 with a byte-order mark, then
GB18030 (a superset of GBK and GB2312) when the text decodes as Chinese, then the best guess of
charset-normalizer. The delimiter (comma, tab, semicolon or ``|``) is sniffed from the header line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib.exceptions import CRMDataError

__all__ = ["SUPPORTED_SUFFIXES", "read_file", "decode_bytes", "sniff_delimiter"]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
_DELIMITERS = (",", "\t", ";", "|")
# Characters a Chinese text decoded as GB18030 is made of (CJK ideographs, CJK and full-width
# punctuation); other bytes that merely happen to decode are a sign of another encoding.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2010-\u2027\u00b7]")


def read_file(path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read one source file into a frame of strings.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv`` / ``.tsv`` / ``.txt`` (delimited text), ``.xlsx`` / ``.xlsm`` or ``.parquet``
        file.
    sheet : str, optional
        Worksheet of a workbook to read; default the first one.

    Returns
    -------
    pandas.DataFrame
        One column per header cell (names stripped of surrounding spaces), values ``str`` or
        ``None``; the index, named ``row``, holds the 1-based data row numbers. ``df.attrs``
        records ``encoding`` and ``delimiter`` for text files. A header-only file gives zero rows.

    Raises
    ------
    CRMDataError
        When the file is missing, empty (0 bytes), has no header, cannot be decoded or parsed, or
        is of an unsupported type.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise CRMDataError(f"{path}: no such file; check the path.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CRMDataError(f"{name}: unsupported file type `{suffix or name}`; "
                           f"export it as CSV, .xlsx or Parquet.")
    if path.stat().st_size == 0:
        raise CRMDataError(f"{name}: the file is empty (0 bytes); export it again with a header "
                           "row and the data rows.")
    if suffix in (".xlsx", ".xlsm"):
        df = _read_excel(path, sheet)
    elif suffix == ".parquet":
        df = _read_parquet(path)
    else:
        df = _read_text(path)
    cols = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise CRMDataError(f"{name} header: column `{dupes[0]}` appears more than once; "
                           "rename or delete the copies.")
    df.columns = cols
    return df


def decode_bytes(data: bytes, name: str = "file") -> tuple[str, str]:
    """Decode the bytes of a text file.

    Tries UTF-8 (stripping a byte-order mark), UTF-16 with a byte-order mark, GB18030 (when the
    non-ASCII text is Chinese) and finally charset-normalizer's best guess.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str, default="file"
        The file's name, for messages.

    Returns
    -------
    tuple of (str, str)
        ``(text, encoding)``.

    Raises
    ------
    CRMDataError
        The encoding cannot be told.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        non_ascii = [ch for ch in text if ord(ch) > 127]
        if non_ascii and sum(bool(_CJK.match(ch)) for ch in non_ascii) >= 0.95 * len(non_ascii):
            return text, "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise CRMDataError(f"{name}: cannot tell the text encoding; save it as UTF-8 and "
                           "import again.")
    return str(best), best.encoding


def sniff_delimiter(header_line: str) -> str:
    """Return the delimiter (``,``, tab, ``;`` or ``|``) that splits ``header_line`` most.

    Parameters
    ----------
    header_line : str
        The first line of a text file.

    Returns
    -------
    str
        ``,`` when none splits the line.
    """
    counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


def _read_text(path: Path) -> pd.DataFrame:
    text, encoding = decode_bytes(path.read_bytes(), path.name)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        raise CRMDataError(f"{path.name}: the file has no header row; the first line must "
                           "name the columns.")
    delimiter = sniff_delimiter(first)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                             na_filter=False, skip_blank_lines=False, index_col=False,
                             engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        _too_many_fields(path.name, text, delimiter)
        raise CRMDataError(f"{path.name}: cannot be parsed as {_delim_name(delimiter)}-"
                           f"separated text ({exc}); check the quoting of that line.") from None
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _too_many_fields(path.name, text, delimiter)
    df = _finish(df)
    df.attrs.update(encoding=encoding, delimiter=delimiter)
    return df


def _too_many_fields(name: str, text: str, delimiter: str) -> None:
    """Raise naming the data rows that have more fields than the header.

    (pandas would drop the extra values.)
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(next(reader))
    bad = [(i, len(r)) for i, r in enumerate(reader, start=1) if len(r) > width]
    if bad:
        rows = ", ".join(str(i) for i, _ in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise CRMDataError(f"{name} row{'s' * (len(bad) > 1)} {rows}: {bad[0][1]} fields where "
                           f"the header has {width}; "
                           "quote values that contain the delimiter, or fix the header.")


def _delim_name(d: str) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}[d]


def _finish(df: pd.DataFrame, rows=None) -> pd.DataFrame:
    """Empty strings -> None, blank rows dropped, index = 1-based data row numbers."""
    df = df.astype(object)
    for c in df.columns:
        s = df[c]
        df[c] = s.where(s != "", None)
    df.index = pd.RangeIndex(1, len(df) + 1, name="row") if rows is None else pd.Index(
        rows, name="row")
    if len(df.columns):
        df = df[df.notna().any(axis=1)]
    return df


def _cell(v) -> str | None:
    """One Excel/Parquet cell as text: dates ISO, whole floats without `.0`, formulas verbatim."""
    if v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.replace(tzinfo=None)
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    text = getattr(v, "text", None)  # openpyxl ArrayFormula / DataTableFormula
    return str(text if text is not None else v)


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    import openpyxl

    try:
        # data_only=False: a formula cell yields its formula text, never a computed value.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise CRMDataError(f"{path.name}: cannot be opened as an Excel workbook ({exc}); "
                           "save it again as .xlsx.") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise CRMDataError(f"{path.name}: no worksheet `{sheet}`; it has "
                               + ", ".join(f"`{s}`" for s in wb.sheetnames) + ".")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None or all(v is None for v in header):
            raise CRMDataError(f"{path.name}: sheet `{ws.title}` has no header in row 1; the "
                               "first row must name the columns.")
        while header and header[-1] is None:
            header = header[:-1]
        width = len(header)
        names = [_cell(v) or f"column_{i + 1}" for i, v in enumerate(header)]
        data, rows = [], []
        for i, values in enumerate(it, start=1):
            cells = [_cell(v) for v in values[:width]]
            if any(c is not None and c != "" for c in cells):
                cells += [None] * (width - len(cells))
                data.append(cells)
                rows.append(i)
    finally:
        wb.close()
    return _finish(pd.DataFrame(data, columns=names, dtype=object), rows)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_parquet(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise CRMDataError(f"{path.name}: cannot be read as Parquet ({exc}).") from None
    out = {}
    for c in raw.columns:
        s = raw[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_localize(None)
            midnight = bool((s.dropna() == s.dropna().dt.normalize()).all())
            text = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
            out[str(c)] = text.where(s.notna(), None)
        else:
            out[str(c)] = s.astype(object).map(_cell)
    return _finish(pd.DataFrame(out, index=raw.index))
