"""Periods: presets, buckets and comparisons, checked against a calendar by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmlib.exceptions import ParamsError
from crmlib.period import PRESETS, change, resolve_period

AS_OF = "2026-11-24"  # a Tuesday


@pytest.mark.parametrize("preset, expected, bucket, previous, year_ago", [
    ("today", "2026-11-24..2026-11-24", "day", "2026-11-23..2026-11-23", "2025-11-24..2025-11-24"),
    ("yesterday", "2026-11-23..2026-11-23", "day", "2026-11-22..2026-11-22",
     "2025-11-23..2025-11-23"),
    ("this_week", "2026-11-23..2026-11-29", "day", "2026-11-16..2026-11-22",
     "2025-11-23..2025-11-29"),
    ("last_week", "2026-11-16..2026-11-22", "day", "2026-11-09..2026-11-15",
     "2025-11-16..2025-11-22"),
    ("this_month", "2026-11-01..2026-11-30", "day", "2026-10-01..2026-10-31",
     "2025-11-01..2025-11-30"),
    ("last_month", "2026-10-01..2026-10-31", "day", "2026-09-01..2026-09-30",
     "2025-10-01..2025-10-31"),
    ("this_quarter", "2026-10-01..2026-12-31", "month", "2026-07-01..2026-09-30",
     "2025-10-01..2025-12-31"),
    ("last_quarter", "2026-07-01..2026-09-30", "month", "2026-04-01..2026-06-30",
     "2025-07-01..2025-09-30"),
    ("this_year", "2026-01-01..2026-12-31", "month", "2025-01-01..2025-12-31",
     "2025-01-01..2025-12-31"),
    ("last_year", "2025-01-01..2025-12-31", "month", "2024-01-01..2024-12-31",
     "2024-01-01..2024-12-31"),
    ("last_7_days", "2026-11-18..2026-11-24", "day", "2026-11-11..2026-11-17",
     "2025-11-18..2025-11-24"),
    ("last_30_days", "2026-10-26..2026-11-24", "day", "2026-09-26..2026-10-25",
     "2025-10-26..2025-11-24"),
    ("last_90_days", "2026-08-27..2026-11-24", "week", "2026-05-29..2026-08-26",
     "2025-08-27..2025-11-24"),
])
def test_presets(preset, expected, bucket, previous, year_ago):
    p = resolve_period(preset, as_of=AS_OF)
    assert (str(p), p.bucket, str(p.previous()), str(p.year_ago())) == \
        (expected, bucket, previous, year_ago)


def test_every_preset_is_tested():
    tested = {"today", "yesterday", "this_week", "last_week", "this_month", "last_month",
              "this_quarter", "last_quarter", "this_year", "last_year", "last_7_days",
              "last_30_days", "last_90_days", "custom"}
    assert tested == set(PRESETS)


def test_week_start_sunday():
    p = resolve_period("this_week", as_of=AS_OF, week_start=6)
    assert str(p) == "2026-11-22..2026-11-28"


def test_month_previous_handles_month_ends():
    p = resolve_period("this_month", as_of="2024-03-31")
    assert str(p.previous()) == "2024-02-01..2024-02-29"
    assert str(resolve_period("this_month", as_of="2024-02-29").year_ago()) == \
        "2023-02-01..2023-02-28"
    # January's previous month is December of the year before
    assert str(resolve_period("this_month", as_of="2026-01-15").previous()) == \
        "2025-12-01..2025-12-31"


@pytest.mark.parametrize("start, end, bucket, n_buckets", [
    ("2026-11-01", "2026-11-24", "day", 24),
    ("2026-10-15", "2026-11-14", "day", 31),      # 31 days: still by day
    ("2026-10-15", "2026-11-15", "week", 5),      # 32 days, Mondays 10-12 .. 11-09
    ("2026-01-01", "2026-06-30", "week", 27),     # 181 days by week
    ("2025-01-01", "2026-11-24", "month", 23),
])
def test_custom_buckets(start, end, bucket, n_buckets):
    p = resolve_period("custom", as_of=AS_OF, start=start, end=end)
    assert p.bucket == bucket and len(p.buckets()) == n_buckets
    # custom previous = same number of days just before
    prev = p.previous()
    assert prev.days == p.days and prev.end == p.start


def test_buckets_cover_every_date():
    p = resolve_period("this_quarter", as_of=AS_OF)
    assert list(p.buckets().strftime("%Y-%m")) == ["2026-10", "2026-11", "2026-12"]
    dates = pd.Series(pd.to_datetime(["2026-10-01 00:00", "2026-11-30 23:59", "2026-12-31 08:00"]))
    assert list(p.bucket_of(dates).dt.strftime("%Y-%m-%d")) == \
        ["2026-10-01", "2026-11-01", "2026-12-01"]
    w = resolve_period("custom", as_of=AS_OF, start="2026-10-15", end="2026-11-15")
    assert w.bucket_of(pd.Series(pd.to_datetime(["2026-10-15"]))).iloc[0] == \
        pd.Timestamp("2026-10-12")


@pytest.mark.parametrize("kwargs, message", [
    ({"preset": "this_mnth"}, "did you mean `this_month`"),
    ({"preset": "custom", "start": "2026-01-01"}, "needs both `start` and `end`"),
    ({"preset": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "is before `start`"),
    ({"preset": "custom", "start": "2026-13-01", "end": "2026-01-01"}, "is not a date"),
    ({"preset": "this_week", "week_start": 7}, "week_start"),
])
def test_bad_period_parameters(kwargs, message):
    with pytest.raises(ParamsError, match=message):
        resolve_period(as_of=AS_OF, **kwargs)


def test_change():
    assert change(120, 100) == pytest.approx(0.2)
    assert change(50, 100) == pytest.approx(-0.5)
    assert math.isnan(change(10, 0))       # undefined, never 0 or infinity
    assert math.isnan(change(10, float("nan")))
    assert math.isnan(change(None, 5))
