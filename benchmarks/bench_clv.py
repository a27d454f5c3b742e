"""Time the CLV chain: contracts -> purchase summary (in DuckDB) -> BG/NBD and Gamma-Gamma fits.

    python benchmarks/bench_clv.py                      # 1M and 10M contract rows
    python benchmarks/bench_clv.py --rows 1000000 --customers-per-row 0.1

Synthetic contracts are generated inside DuckDB SQL (no pandas, no demo generator: the demo
needs ~33 GB at 10M rows) into a temporary DuckDB file, then the library functions run on it
through ibis: ``purchase_summary`` of the effective contracts (one query), ``fit_bgnbd``,
``fit_gamma_gamma`` and ``customer_lifetime_value`` (1 year, 10 % a year). Each size runs in a
fresh process so that peaks do not mix; "peak MB" is the process's maximum resident set size
(``ru_maxrss``, DuckDB included) after each step.

The data (Pareto/NBD-like, so that the fits have something to find): customers = rows x
``--customers-per-row``; each has a first purchase on a day among the first 900 of 1,095
(2023-01-01 .. 2025-12-31), a lifetime ~ exponential with a mean of 0.25-1.75 years, a purchase
rate ~ exponential(1) and a spend scale. The other contracts go to customers in proportion to
rate x (days alive and observed), on a uniform day of that span; 95 % are approved. Random
numbers are ``hash()`` of the row number and a stream id (not ``random()``), so the data are the
same for every run, thread count and machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

OBSERVATION_END = "2025-12-31"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _u(expr: str, stream: int) -> str:
    """A uniform number in (0, 1) from ``hash`` of an integer expression and a stream id."""
    return f"((hash(({expr}) * 8 + {stream}) % 1000000000)::DOUBLE + 0.5) / 1e9"


def generate(path: Path, rows: int, customers: int) -> None:
    """Write table ``contracts`` (contract_id, customer_id, signed_at, amount, status)."""
    import duckdb

    con = duckdb.connect(str(path))
    # per customer: first purchase day, days alive and observed (span), purchase rate, spend
    con.execute(f"""
        CREATE TABLE cust AS
        SELECT k, start, span, scale,
               sum(rate * span) OVER (ORDER BY k) AS cum FROM (
            SELECT k, start, scale, rate, least(life, 1095 - start) AS span FROM (
                SELECT range AS k, floor({_u('range', 1)} * 900)::INTEGER AS start,
                       -ln({_u('range', 2)}) * 365 * (0.25 + 1.5 * {_u('range', 8)}) AS life,
                       -ln({_u('range', 3)}) AS rate, 200 + 4800 * {_u('range', 9)} AS scale
                FROM range({customers})))""")
    total = con.execute("SELECT max(cum) FROM cust").fetchone()[0]
    # row k < customers is customer k's first purchase; the others go to customers in
    # proportion to rate x span (a Poisson process while alive), on a uniform day of the span
    con.execute(f"""
        CREATE TABLE contracts AS
        WITH r AS (
            SELECT range AS j, {_u('range', 4)} * {total!r} AS target FROM range({customers},
                                                                             {rows})),
        repeat AS (
            SELECT r.j, c.k, c.start + ceil({_u('r.j', 5)} * c.span)::INTEGER AS day, c.scale
            FROM r ASOF JOIN cust c ON c.cum >= r.target),
        first AS (SELECT k AS j, k, start AS day, scale FROM cust),
        t AS (SELECT * FROM first UNION ALL SELECT * FROM repeat)
        SELECT 'K' || j AS contract_id, 'C' || k AS customer_id,
               TIMESTAMP '2023-01-01' + to_days(least(day, 1094))
                 + to_seconds(floor({_u('j', 6)} * 86400)::BIGINT) AS signed_at,
               round(scale * (0.5 + {_u('j', 7)}), 2) AS amount,
               CASE WHEN {_u('j', 0)} < 0.95 THEN 'approved' ELSE 'void' END AS status
        FROM t""")
    con.execute("DROP TABLE cust")
    con.close()


def _run(rows: int, customers_per_row: float) -> dict:
    """One size, in this process: generate, then time each library step."""
    import ibis

    from crmlib import clv
    from crmlib.engine import effective

    out: dict = {"rows": rows}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracts.duckdb"
        t0 = time.perf_counter()
        generate(path, rows, max(1, int(rows * customers_per_row)))
        out["generate_s"] = time.perf_counter() - t0
        out["file_mb"] = path.stat().st_size / 2**20
        out["peak_generate_mb"] = _peak_mb()

        con = ibis.duckdb.connect(str(path), read_only=True)
        contracts = effective(con.table("contracts"))
        t0 = time.perf_counter()
        s = clv.purchase_summary(contracts, observation_end=OBSERVATION_END, unit_days=7)
        out["summary_s"] = time.perf_counter() - t0
        out["customers"] = len(s)
        out["peak_summary_mb"] = _peak_mb()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            bg = clv.fit_bgnbd(s["frequency"], s["recency"], s["T"])
            out["bgnbd_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            gg = clv.fit_gamma_gamma(s["frequency"], s["monetary_value"])
            out["gamma_gamma_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            v = clv.customer_lifetime_value(bg, gg, s, horizon=365, discount_rate=0.1)
            out["clv_s"] = time.perf_counter() - t0
        out["peak_mb"] = _peak_mb()
        out["bgnbd"] = bg.params_
        out["gamma_gamma"] = gg.params_
        out["mean_clv"] = float(v["clv"].mean())
        out["warnings"] = [str(w.message)[:120] for w in seen]
        con.disconnect()
    return out


def _child(rows: int, customers_per_row: float) -> dict:
    """Run one size in a fresh Python process, so that peaks do not mix."""
    res = subprocess.run([sys.executable, __file__, "--child", "--rows", str(rows),
                          "--customers-per-row", str(customers_per_row)],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000],
                    help="contract rows (default: 1M and 10M)")
    ap.add_argument("--customers-per-row", type=float, default=0.1,
                    help="customers per contract row (default 0.1: ~10 contracts each)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:  # one measurement, handed to the parent as JSON
        print(json.dumps(_run(args.rows[0], args.customers_per_row)))
        return
    print(f"{'rows':>11} {'customers':>10} {'generate s':>10} {'summary s':>9} {'bgnbd s':>8} "
          f"{'gg s':>6} {'clv s':>6} {'peak summary MB':>15} {'peak MB':>8} {'file MB':>8}",
          flush=True)
    results = []
    for n in args.rows:
        r = _child(n, args.customers_per_row)
        results.append(r)
        print(f"{n:>11,} {r['customers']:>10,} {r['generate_s']:>10.1f} {r['summary_s']:>9.2f} "
              f"{r['bgnbd_s']:>8.2f} {r['gamma_gamma_s']:>6.2f} {r['clv_s']:>6.2f} "
              f"{r['peak_summary_mb']:>15,.0f} {r['peak_mb']:>8,.0f} {r['file_mb']:>8,.0f}",
              flush=True)
    for r in results:
        params = ", ".join(f"{k}={v:.4g}" for k, v in {**r["bgnbd"], **r["gamma_gamma"]}.items())
        print(f"\n{r['rows']:,} rows: {params}; mean CLV {r['mean_clv']:,.0f}")
        for w in r["warnings"]:
            print(f"  warning: {w}")


if __name__ == "__main__":
    main()
