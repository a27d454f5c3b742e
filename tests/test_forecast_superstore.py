"""Forecast on real data: the Tableau Superstore orders (../shared/datasets/superstore), imported
with the `superstore` mapping preset. Back-test settings are fixed in advance, not tuned on
the test windows: monthly contract amount, horizon 3, 6 rolling windows one month apart,
default models and season (12)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from crmlib import forecast
from crmlib.config import SHARED_DATASETS

SRC = SHARED_DATASETS / "superstore"
AS_OF = "2019-12-31"  # orders run to 2019-12-30: December 2019 is the last (complete) month
SETTINGS = {"horizon": 3, "windows": 6}

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    from crmlib.data.connect import connect
    from crmlib.data.importer import import_files

    if not SRC.is_dir():
        pytest.skip(f"the public data sets are not here ({SHARED_DATASETS}); they sit beside "
                    "the project in CI only")
    path = tmp_path_factory.mktemp("superstore") / "superstore.duckdb"
    import_files([SRC], "superstore", into=path, progress=False)
    crm = connect(path)
    yield crm
    crm.close()


@pytest.fixture(scope="module")
def total(crm):
    return forecast.sales_series(crm, as_of=AS_OF)


def quiet_backtest(series):
    with warnings.catch_warnings():  # short-training fallbacks are expected and counted
        warnings.simplefilter("ignore", forecast.FallbackWarning)
        return forecast.backtest(series, **SETTINGS)


def test_series_holds_every_order(total, crm):
    """48 months 2016-01..2019-12 summing the file's Sales total (README: 2,297,200.86)."""
    assert len(total) == 48
    assert total["ds"].iloc[[0, -1]].tolist() == [pd.Timestamp("2016-01-01"),
                                                  pd.Timestamp("2019-12-01")]
    assert total["y"].sum() == pytest.approx(2_297_200.86, abs=0.01)
    # the default as_of is the last order day, 2019-12-30: December is then partial, dropped
    default = forecast.sales_series(crm)
    assert len(default) == 47 and default.attrs["dropped_partial"] == pd.Timestamp("2019-12-01")


def test_chosen_model_beats_seasonal_naive_on_the_total(total):
    e = quiet_backtest(total)
    assert (e["windows"] == 6).all() and (e["points"] == 18).all()
    c = forecast.choose_model(e).iloc[0]
    assert c["model"] != "seasonal_naive"
    assert c["error"] < c["seasonal_naive_error"]
    assert e["mase"].notna().all()


def test_chosen_model_beats_seasonal_naive_per_category(crm):
    s = forecast.sales_series(crm, by="category", as_of=AS_OF)
    assert sorted(s["unique_id"].unique()) == ["Furniture", "Office Supplies", "Technology"]
    c = forecast.choose_model(quiet_backtest(s))
    assert (c["error"] < c["seasonal_naive_error"]).all(), c


def test_model_chosen_on_earlier_data_still_beats_seasonal_naive_later(total):
    """No selection on the scored windows: choose with data to 2018-12 only, then score the
    2019 windows (cut-offs 2018-12 .. 2019-09, each trained on data up to its cut-off)."""
    chosen = forecast.choose_model(quiet_backtest(total[total["ds"] <= "2018-12-01"]))
    model = chosen["model"].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", forecast.FallbackWarning)
        later = forecast.backtest(total, horizon=3, windows=10).set_index("model")
    assert later.attrs["cutoffs"]["total"][0] == pd.Timestamp("2018-12-01")
    assert later.loc[model, "mase"] < later.loc["seasonal_naive", "mase"]


def test_forecast_of_2020_has_intervals(total):
    e = quiet_backtest(total)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", forecast.FallbackWarning)
        f = forecast.forecast(total, horizon=3, errors=e)
    assert f["ds"].tolist() == list(pd.date_range("2020-01-01", periods=3, freq="MS"))
    assert (f["lo_95"] <= f["lo_80"]).all() and (f["lo_80"] <= f["yhat"]).all()
    assert (f["yhat"] <= f["hi_80"]).all() and (f["hi_80"] <= f["hi_95"]).all()
