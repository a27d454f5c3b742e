# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
team: str = None  # Team id as in employees.team; None means the whole company
employee: str = None  # One employee's id ("my reports"); subordinates included
lang: str = "en"  # Language of labels and charts: en or zh
currency: str = "CNY"  # Currency code shown with amounts
period: str = "last_month"  # Period preset (this_month, last_week, ..., custom)
as_of: str = None  # The report date, YYYY-MM-DD; None means the last event date in the data
source: str = None  # Data source URL; None means $CRM_DASHBOARD_SOURCE, else data/crm.duckdb

# %%
# NBVAL_CHECK_OUTPUT
# Sales overview: KPI cards, targets, trend, funnel, leaderboard, forgotten customers.
# Building the dashboard prints nothing: no warning or error text reaches viewers.
from crmlib import dashboards

app = dashboards.sales_overview_app(source, team=team, employee=employee, lang=lang, currency=currency,
                       period=period, as_of=as_of)

# %%
app
