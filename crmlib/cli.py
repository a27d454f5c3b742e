"""The `crm` command: demo data, import, a summary of a database, reports, data quality.

    crm demo [--scale LINES] [--seed N] [--out PATH]
    crm import PATH... --mapping NAME|FILE.yaml [--into DB]
    crm info [SOURCE]
    crm report [--teams ...] [--topics ...] [--period P] [--as-of DATE] [--workers N] [--out DIR]
    crm quality [SOURCE] [--out DIR] [--as-of DATE]
    crm merge FILE.csv [--into DB] [--yes]
    crm dashboard [--source SOURCE] [--port P] [--base-url /crm/] [--workers N]

Errors that crmlib raises on purpose are printed as one clear message (no traceback) and exit 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from crmlib import config
from crmlib.exceptions import CRMError

__all__ = ["main", "write_quality_csvs"]


def _cmd_demo(args) -> int:
    from crmlib.demo import build_demo

    t0 = time.perf_counter()
    path = build_demo(args.out, lines=args.scale, seed=args.seed, progress=not args.quiet)
    print(f"demo database written to {path} in {time.perf_counter() - t0:.1f} s")
    _print_summary(str(path))
    return 0


def _cmd_import(args) -> int:
    from crmlib.data.connect import connect, duckdb_url_path
    from crmlib.data.importer import import_files

    into = args.into
    if into.startswith("duckdb://"):
        into = duckdb_url_path(into)
    elif "://" in into:  # postgresql://...
        into = connect(into, check=False).backend
    result = import_files(args.paths, args.mapping, into=into, progress=not args.quiet)
    print(result.summary())
    return 0


def _cmd_info(args) -> int:
    _print_summary(args.source)
    return 0


def _cmd_report(args) -> int:
    from crmlib.report import run_reports

    result = run_reports(teams=args.teams, topics=args.topics, period=args.period,
                         as_of=args.as_of, workers=args.workers, out=args.out,
                         progress=not args.quiet)
    print(result.summary())
    return 1 if result.failed else 0


def _cmd_quality(args) -> int:
    from crmlib.data.connect import connect
    from crmlib.quality import quality_overview, summary_text

    with connect(args.source) as crm:
        print(crm.description)
        frames = quality_overview(crm, as_of=args.as_of)
    as_of = frames["scores_by_table"].attrs["as_of"]
    out = args.out or config.REPORTS_DIR / "quality" / as_of.date().isoformat()
    print(f"as of {as_of.date()}\n")
    print(summary_text(frames))
    write_quality_csvs(frames, out)
    print(f"\nCSV files written to {out}")
    return 0


def write_quality_csvs(frames, out) -> Path:
    """Write the ``crm quality`` frames as CSV files (UTF-8 with BOM, for Excel) into ``out``.

    Atomically: a hidden temporary folder beside it, renamed into place when complete. A previous
    output in ``out`` is replaced; a folder holding other files is left alone.

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        File stem -> frame.
    out : str or path
        The output folder.

    Returns
    -------
    pathlib.Path
        The output folder.
    """
    from crmlib.quality import OVERVIEW_FILES

    out = Path(out)
    if out.exists() and (not out.is_dir() or set(os.listdir(out)) - set(
            OVERVIEW_FILES.values())):
        raise CRMError(f"{out} exists and holds other files than a `crm quality` output; "
                       "pass another --out.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".tmp-{out.name}-{os.getpid()}"
    old = out.parent / f".old-{out.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for key, name in OVERVIEW_FILES.items():
            frames[key].to_csv(tmp / name, index=False, encoding="utf-8-sig")
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out


def _cmd_merge(args) -> int:
    from crmlib.data.merge import apply_merges, plan_merges, read_merges

    merges = read_merges(args.file)
    con = _writable(args.into)
    try:
        plan = plan_merges(con, merges)
        if plan.empty:
            print(f"Nothing to merge: every customer of {args.file} is merged already.")
            return 0
        pairs = plan[["kept_id", "merged_id"]].drop_duplicates()
        print(f"{len(pairs)} customer(s) to merge into the kept one; rows to change:")
        print(plan.to_string(index=False))
        if not args.yes:
            if not sys.stdin.isatty():
                print("Dry run: nothing changed. Run again with --yes to apply.")
                return 0
            if input("Apply these changes? [y/N] ").strip().lower() not in ("y", "yes"):
                print("Nothing changed.")
                return 0
        audit = apply_merges(con, merges)
        moved = int(audit.loc[audit["table_name"] != "customers", "rows"].sum())
        print(f"Merged {audit['merged_id'].nunique()} customer(s): {moved} row(s) re-pointed, "
              "duplicates marked deleted; audit rows in table `merge_audit`.")
        return 0
    finally:
        con.disconnect()


def _cmd_dashboard(args) -> int:
    from crmlib.dashboards.serve import serve

    print(f"dashboards on http://127.0.0.1:{args.port}{args.base_url} (Ctrl-C stops)")
    return serve(source=args.source, port=args.port, base_url=args.base_url,
                 cull_idle_timeout=args.cull_idle_timeout, fill_delay=args.fill_delay,
                 workers=args.workers)


def _writable(into: str):
    """Return an ibis backend that can write: a DuckDB file (it must exist) or a PostgreSQL URL."""
    import ibis

    from crmlib.data.connect import connect, duckdb_url_path

    if into.startswith("duckdb://"):
        into = str(duckdb_url_path(into))
    elif "://" in into:
        return connect(into, check=False).backend
    if not Path(into).exists():
        raise CRMError(f"{into} does not exist; pass the database to merge in with --into.")
    return ibis.duckdb.connect(str(into))


def _print_summary(source) -> None:
    from crmlib.data.connect import connect

    with connect(source) as crm:
        print(crm.description)
        df = crm.summary()
        df["first"] = df["first"].dt.date.astype("string").fillna("")
        df["last"] = df["last"].dt.date.astype("string").fillna("")
        print(df.to_string(index=False))


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``crm`` command line (its sub-commands and options).

    Returns
    -------
    argparse.ArgumentParser
        The parser, with one sub-command each for ``demo``, ``import``, ``info``, ``report``,
        ``quality``, ``merge`` and ``dashboard``.
    """
    p = argparse.ArgumentParser(prog="crm", description="CRM analytics: data, reports, models.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="generate the demo company's CRM data into a DuckDB file")
    d.add_argument("--scale", type=int, default=200_000, metavar="LINES",
                   help="approximate number of contract lines (default 200000; 1k..10M)")
    d.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    d.add_argument("--out", type=Path, default=config.DEFAULT_DB,
                   help=f"DuckDB file to write (default {config.DEFAULT_DB})")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_cmd_demo)

    i = sub.add_parser("import", help="import CSV/Excel/Parquet exports through a mapping")
    i.add_argument("paths", nargs="+", type=Path, help="files or folders to import")
    i.add_argument("--mapping", default="canonical",
                   help="preset name under params/mappings/ or a YAML file (default canonical)")
    i.add_argument("--into", default=str(config.DEFAULT_DB),
                   help="DuckDB file or postgresql:// URL to import into "
                        f"(default {config.DEFAULT_DB})")
    i.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    i.set_defaults(func=_cmd_import)

    n = sub.add_parser("info", help="print what a database holds, table by table")
    n.add_argument("source", nargs="?", default=None,
                   help="DuckDB file, duckdb:// or postgresql:// URL (default: data/crm.duckdb)")
    n.set_defaults(func=_cmd_info)
    r = sub.add_parser("report", help="run every topic notebook per team into HTML reports")
    r.add_argument("--teams", nargs="+", help="team slugs (params/teams/*.yaml; default all)")
    r.add_argument("--topics", nargs="+", help="topic notebooks, e.g. 10_dashboard (default all)")
    r.add_argument("--period", help="period preset for every team (e.g. last_week, this_month)")
    r.add_argument("--as-of", dest="as_of", help="the reports' today, YYYY-MM-DD "
                   "(default: each team's as_of, else the data's last event date)")
    r.add_argument("--workers", type=int, help="parallel notebooks (default min(2, CPUs))")
    r.add_argument("--out", type=Path, default=config.REPORTS_DIR,
                   help=f"reports folder (default {config.REPORTS_DIR})")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_report)

    q = sub.add_parser("quality", help="check data quality; write duplicates, suggested "
                                       "merges, issues and scores as CSV files")
    q.add_argument("source", nargs="?", default=None,
                   help="DuckDB file, duckdb:// or postgresql:// URL (default: data/crm.duckdb)")
    q.add_argument("--out", type=Path, help="folder for the CSV files (default "
                   f"{config.REPORTS_DIR}/quality/<as-of date>/)")
    q.add_argument("--as-of", dest="as_of", help="the checks' today, YYYY-MM-DD (default: the "
                   "data's last event date)")
    q.set_defaults(func=_cmd_quality)

    m = sub.add_parser("merge", help="merge duplicate customers listed in a reviewed "
                                     "suggested_merges.csv (with an audit trail)")
    m.add_argument("file", type=Path, help="the reviewed suggested_merges.csv of `crm quality`")
    m.add_argument("--into", default=str(config.DEFAULT_DB),
                   help=f"DuckDB file or postgresql:// URL to merge in (default "
                        f"{config.DEFAULT_DB})")
    m.add_argument("--yes", action="store_true",
                   help="apply without asking (needed when stdin is not a terminal)")
    m.set_defaults(func=_cmd_merge)

    b = sub.add_parser("dashboard", help="serve the Voila dashboards (sales overview, customer "
                                         "value) on 127.0.0.1")
    b.add_argument("--source", help="DuckDB file, duckdb:// or postgresql:// URL (default: "
                                    "data/crm.duckdb)")
    b.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    b.add_argument("--base-url", dest="base_url", default="/",
                   help="URL prefix behind a reverse proxy, e.g. /crm/ (default /)")
    b.add_argument("--cull-idle-timeout", dest="cull_idle_timeout", type=int, default=900,
                   help="seconds after which an idle viewer's kernel stops (default 900)")
    b.add_argument("--fill-delay", dest="fill_delay", type=float, default=10,
                   help="seconds after a viewer took the pre-heated kernel before the next one "
                        "is started (default 10)")
    b.add_argument("--workers", type=int, default=None,
                   help="processes per viewer that compute the sections (default 2 on 2 cores "
                        "or more, 0 = in the kernel)")
    b.set_defaults(func=_cmd_dashboard)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the ``crm`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except CRMError as e:
        print(f"crm {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
