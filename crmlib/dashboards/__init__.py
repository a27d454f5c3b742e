"""Voila dashboards for sales staff and managers: a sales overview and customer value.

Each dashboard is a pure function from the viewer's selections to its output
(:func:`sales_overview`, :func:`customer_value_dashboard`), built from the same ``crmlib`` calls as the
reports; :mod:`crmlib.dashboards.app` wires it to ipywidgets and :mod:`crmlib.dashboards.serve`
serves ``notebooks/dashboards/`` with Voila (``crm dashboard``, ``make dashboard``).
"""

from crmlib.dashboards.common import Dashboard, Section, dashboard_context
from crmlib.dashboards.overview import sales_overview
from crmlib.dashboards.value_dashboard import customer_value_dashboard

__all__ = ["Dashboard", "Section", "dashboard_context", "sales_overview", "customer_value_dashboard",
           "sales_overview_app", "customer_value_app"]


def sales_overview_app(source=None, **selection):
    """Build the sales overview wired to widgets (see :func:`crmlib.dashboards.app.sales_overview_app`).

    Importing ipywidgets is left to this call, so that :mod:`crmlib.dashboards` imports without it.

    Parameters
    ----------
    source : str or path, optional
        The data source, as for :func:`crmlib.connect`.
    **selection
        ``workers`` and the initial selection, passed on to
        :func:`crmlib.dashboards.app.sales_overview_app`.

    Returns
    -------
    crmlib.dashboards.app.DashboardApp
        The app, ready to display.
    """
    from crmlib.dashboards import app

    return app.sales_overview_app(source, **selection)


def customer_value_app(source=None, **selection):
    """Build the customer value dashboard wired to widgets.

    See :func:`crmlib.dashboards.app.customer_value_app`.

    Parameters
    ----------
    source : str or path, optional
        The data source, as for :func:`crmlib.connect`.
    **selection
        ``workers`` and the initial selection, passed on to
        :func:`crmlib.dashboards.app.customer_value_app`.

    Returns
    -------
    crmlib.dashboards.app.DashboardApp
        The app, ready to display.
    """
    from crmlib.dashboards import app

    return app.customer_value_app(source, **selection)
