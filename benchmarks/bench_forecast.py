"""Time a rolling-origin back-test of every model on 100 synthetic monthly series.

    python benchmarks/bench_forecast.py [--series 100] [--months 48] [--windows 6] [--horizon 3]

Series (seeded): level 50..500, a linear trend, a yearly sine of random amplitude and phase,
and Gaussian noise; clipped at 0. Prints the wall time, the fitting time per model (from the
back-test's ``attrs["seconds"]``; the ensemble reuses its members' fits, so its own share is
the averaging only), and the mean MASE per model. Writes nothing.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

SEED = 20240531


def synthetic(n_series: int, months: int, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    ds = pd.date_range("2021-01-01", periods=months, freq="MS")
    parts = []
    for i in range(n_series):
        level = rng.uniform(50, 500)
        y = (level * (1 + rng.normal(0, 0.01) * t)
             + level * rng.uniform(0, 0.4) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6.3))
             + rng.normal(0, level * rng.uniform(0.05, 0.25), months))
        parts.append(pd.DataFrame({"unique_id": f"s{i:03d}", "ds": ds, "y": np.maximum(y, 0)}))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=100)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--windows", type=int, default=6)
    ap.add_argument("--horizon", type=int, default=3)
    args = ap.parse_args()
    series = synthetic(args.series, args.months)

    t0 = time.perf_counter()
    import statsforecast.models  # noqa: F401  (import cost shown apart from the fits)

    from crmlib import forecast
    imported = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", forecast.FallbackWarning)
        errors = forecast.backtest(series, horizon=args.horizon, windows=args.windows,
                                   progress=True)
    wall = time.perf_counter() - t0
    fits = args.series * args.windows
    print(f"{args.series} series x {args.months} months, {args.windows} windows, horizon "
          f"{args.horizon}: back-test {wall:.1f} s wall ({fits} windows; imports "
          f"{imported:.1f} s before)")
    chosen = forecast.choose_model(errors)["model"].value_counts()
    mase = errors.groupby("model", sort=False)["mase"].mean()
    print(f"{'model':<16}{'seconds':>9}{'ms/fit':>9}{'mean MASE':>11}{'chosen':>8}")
    for model, sec in errors.attrs["seconds"].items():
        print(f"{model:<16}{sec:>9.2f}{1000 * sec / fits:>9.1f}{mase[model]:>11.3f}"
              f"{int(chosen.get(model, 0)):>8}")


if __name__ == "__main__":
    main()
