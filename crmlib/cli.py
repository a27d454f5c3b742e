"""The `crm` command: demo data, import, and a summary of a database.

    crm demo [--scale LINES] [--seed N] [--out PATH]
    crm import PATH... --mapping NAME|FILE.yaml [--into DB]
    crm info [SOURCE]
    crm report [--teams ...] [--topics ...] [--period P] [--as-of DATE] [--workers N] [--out DIR]

Errors that crmlib raises on purpose are printed as one clear message (no traceback) and exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from crmlib import config
from crmlib.exceptions import CRMError

__all__ = ["main"]


def _cmd_demo(args) -> int:
    from crmlib.data.demo import build_demo

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


def _print_summary(source) -> None:
    from crmlib.data.connect import connect

    with connect(source) as crm:
        print(crm.description)
        df = crm.summary()
        df["first"] = df["first"].dt.date.astype("string").fillna("")
        df["last"] = df["last"].dt.date.astype("string").fillna("")
        print(df.to_string(index=False))


def build_parser() -> argparse.ArgumentParser:
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
    return p


def main(argv: list[str] | None = None) -> int:
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
