"""Sales forecasting: series, models, back-tests, the model per series and the forecast.

Series built in the engine, baseline / statistical / ML models, rolling-origin back-tests, a
model chosen per series by its back-test error, and the future forecast.

    from crmlib import forecast
    s = forecast.sales_series(crm, by="team")                 # unique_id, ds, y
    errors = forecast.backtest(s, horizon=3, windows=6)       # MASE ... per model x series
    chosen = forecast.choose_model(errors)                    # best model per series
    fc = forecast.forecast(s, horizon=3, errors=errors)       # yhat with intervals

The modules: :mod:`~crmlib.forecast.series` (the series and their periods),
:mod:`~crmlib.forecast.options` (model names, settings, argument checks),
:mod:`~crmlib.forecast.models` (the models and :func:`predict`),
:mod:`~crmlib.forecast.accuracy` (error metrics), :mod:`~crmlib.forecast.backtest` (rolling
origins) and :mod:`~crmlib.forecast.selection` (:func:`choose_model` and :func:`forecast`).

statsforecast is imported only when a statistical model runs, so ``import crmlib`` stays light.
"""

from crmlib.forecast import models
from crmlib.forecast.accuracy import (
    ERROR_METRICS,
    error_metrics,
    interval_coverage,
    mase_scale,
    score,
)
from crmlib.forecast.backtest import BACKTEST_DEFAULTS, backtest, cutoff_positions
from crmlib.forecast.models import MODELS, predict
from crmlib.forecast.options import MODEL_CONFIG, MODEL_NAMES, STAT_MODELS, FallbackWarning
from crmlib.forecast.selection import choose_model, forecast
from crmlib.forecast.series import (
    SEASON_LENGTH,
    SERIES_BY,
    SERIES_COLUMNS,
    SERIES_FREQS,
    SERIES_METRICS,
    last_complete_end,
    period_offset,
    sales_series,
)

__all__ = ["SERIES_METRICS", "SERIES_FREQS", "SERIES_BY", "SEASON_LENGTH", "SERIES_COLUMNS",
           "sales_series", "period_offset", "last_complete_end",
           "ERROR_METRICS", "BACKTEST_DEFAULTS", "mase_scale", "error_metrics",
           "interval_coverage", "cutoff_positions", "backtest", "score", "choose_model",
           "forecast", "MODEL_NAMES", "STAT_MODELS", "MODEL_CONFIG", "MODELS", "FallbackWarning",
           "predict", "models"]
