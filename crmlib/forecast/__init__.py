"""Sales forecasting: series built in the engine, baseline / statistical / ML models, rolling-
origin back-tests, a model chosen per series by its back-test error, and the future forecast.

    from crmlib import forecast
    s = forecast.sales_series(crm, by="team")                 # unique_id, ds, y
    errors = forecast.backtest(s, horizon=3, windows=6)       # MASE ... per model x series
    chosen = forecast.choose_model(errors)                    # best model per series
    fc = forecast.forecast(s, horizon=3, errors=errors)       # yhat with intervals

statsforecast is imported only when a statistical model runs, so ``import crmlib`` stays light.
"""

from crmlib.forecast import backtest as _backtest_module
from crmlib.forecast import models, series
from crmlib.forecast.backtest import *  # noqa: F403
from crmlib.forecast.models import (
    MODEL_CONFIG,
    MODEL_NAMES,
    MODELS,
    STAT_MODELS,
    FallbackWarning,
    predict,
)
from crmlib.forecast.series import *  # noqa: F403

__all__ = [*series.__all__, *_backtest_module.__all__, "MODEL_NAMES", "STAT_MODELS",
           "MODEL_CONFIG", "MODELS", "FallbackWarning", "predict", "models"]
