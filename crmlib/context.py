"""The one setup call of every report notebook: parameters in, a ready context out.

``open_report(globals())`` (or ``open_report(**params)``) validates the notebook's parameters
against ``params/defaults.yaml``, connects to the data, and :func:`resolve_context` resolves
``as_of`` (default: the data's last event date), the period and the scope once, and sets the
chart theme for the report's language. Every later cell reads from the returned
:class:`ReportContext` instead of re-parsing parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from crmlib.data.connect import CRM, connect
from crmlib.exceptions import ParamsError
from crmlib.i18n import t
from crmlib.params import load_specs, validate_params
from crmlib.period import Period, resolve_period
from crmlib.scope import Scope, resolve_scope

__all__ = ["ReportContext", "open_report", "resolve_context"]


@dataclass
class ReportContext:
    """What a report needs: data, language, period, scope and the resolved parameters.

    Parameters
    ----------
    crm : CRM
        The data.
    lang : str
        Language of labels, ``en`` or ``zh``.
    as_of : pandas.Timestamp
        The report's "today".
    period : Period
        The reporting period.
    scope : Scope
        Whose data.
    params : dict
        Every parameter, defaults filled in.
    """

    crm: CRM
    lang: str
    as_of: pd.Timestamp
    period: Period
    scope: Scope
    params: dict = field(default_factory=dict)

    def t(self, key: str, **fmt) -> str:
        """Return the label ``key`` in the report's language.

        Parameters
        ----------
        key : str
            A key of the label catalogue (``crmlib/labels``).
        **fmt
            Values for the label's ``{placeholders}``.

        Returns
        -------
        str
            The catalogue text of ``key`` in ``lang``, formatted with ``fmt``.
        """
        return t(key, self.lang, **fmt)

    @property
    def scope_name(self) -> str:
        """Return the scope's display name: the company, the team's name or the scope's value.

        Returns
        -------
        str
            The translated "company", the team's name (``params["team_name"]``) or the scope's
            value.
        """
        p = self.params
        if self.scope.kind == "company":
            return t("company", self.lang)
        return p.get("team_name") or str(self.scope.value)


def open_report(params: Mapping | None = None, /, **kwargs) -> ReportContext:
    """Validate parameters, connect, and resolve as-of date, period and scope.

    A notebook calls ``ctx = crmlib.open_report(globals())`` right after its parameters cell:
    of a mapping only the keys of ``params/defaults.yaml`` are taken (other names, such as
    ``In``, ``Out`` or imported modules, are ignored); keyword arguments override them and must
    all be keys of ``params/defaults.yaml``. ``open_report(team="east", ...)`` alone works too.
    ``employee`` narrows the scope to one employee and their subordinates; else ``employees``
    lists ids; else ``team``; else the whole company.

    Parameters
    ----------
    params : mapping, optional
        Parameter values, e.g. the notebook's ``globals()``; unknown keys are ignored.
    **kwargs
        Parameter values that override ``params``; an unknown key is an error.

    Returns
    -------
    ReportContext
        The data, language, as-of day, period, scope and every parameter (defaults filled in).

    Raises
    ------
    ParamsError
        A parameter is unknown, of the wrong type, or not allowed; or the team is unknown.
    CRMDataError
        The data source breaks the data contract.

    Examples
    --------
    >>> ctx = open_report({"team": "east", "In": []}, lang="zh")   # doctest: +SKIP
    """
    specs = load_specs()
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"open_report takes a mapping of parameters (e.g. globals()), not a "
                        f"{type(params).__name__}.")
    given = {k: v for k, v in (params or {}).items() if k in specs} | kwargs
    p = {k: s["default"] for k, s in specs.items()} | validate_params(
        given, where="notebook parameters", specs=specs)
    return resolve_context(connect(p.get("source")), p)


def resolve_context(crm: CRM, params: Mapping, *, lang: str | None = None) -> ReportContext:
    """Resolve the as-of day, period and scope of validated parameters on ``crm``.

    The part of :func:`open_report` after validation and connection, for callers that hold a
    connection already (the dashboards). Sets the chart theme for the language.

    Parameters
    ----------
    crm : CRM
        The data.
    params : mapping
        Validated parameters (keys of ``params/defaults.yaml``; absent keys count as unset):
        ``as_of`` (default: the data's last event date), ``period``, ``period_start``,
        ``period_end``, ``week_start``, ``employee``, ``employees``, ``team``, ``lang``.
    lang : str, optional
        The report's language, instead of ``params["lang"]`` (default ``en``).

    Returns
    -------
    ReportContext
        With ``params`` as given (a copy).

    Raises
    ------
    ParamsError
        Unknown team, employee or employee ids; a bad period.
    """
    from crmlib import plots

    p = params
    as_of = pd.Timestamp(p["as_of"]) if p.get("as_of") else crm.last_event_date()
    period = resolve_period(p.get("period") or "last_month", as_of=as_of,
                            start=p.get("period_start"), end=p.get("period_end"),
                            week_start=p.get("week_start") or 0)
    if p.get("employee"):
        scope = resolve_scope(crm, employee=p["employee"])
    elif p.get("employees"):
        ids = tuple(sorted(map(str, p["employees"])))
        known = set(crm.table("employees").employee_id.to_pandas())
        missing = sorted(set(ids) - known)
        if missing:
            raise ParamsError(f"`employees` lists unknown employee ids {missing}.")
        scope = Scope("team", p.get("team") or "selected", ids)
    elif p.get("team"):
        scope = resolve_scope(crm, team=p["team"])
    else:
        scope = Scope()
    lang = lang or p.get("lang") or "en"
    plots.set_theme(lang)
    return ReportContext(crm, lang, as_of, period, scope, dict(p))
