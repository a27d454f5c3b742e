"""The one setup call of every report notebook: parameters in, a ready context out.

``open_report(**params)`` validates the notebook's parameters against ``params/defaults.yaml``,
connects to the data, resolves ``as_of`` (default: the data's last event date), the period and the
scope once, and sets the chart theme for the report's language. Every later cell reads from the
returned :class:`ReportContext` instead of re-parsing parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from crmlib.data.connect import CRM, connect
from crmlib.i18n import t
from crmlib.params import load_specs, validate_params
from crmlib.period import Period, resolve_period
from crmlib.scope import Scope, resolve_scope

__all__ = ["ReportContext", "open_report"]


@dataclass
class ReportContext:
    """What a report needs: data, language, period, scope and the resolved parameters."""

    crm: CRM
    lang: str
    as_of: pd.Timestamp
    period: Period
    scope: Scope
    params: dict = field(default_factory=dict)

    def t(self, key: str, **fmt) -> str:
        """A label in the report's language."""
        return t(key, self.lang, **fmt)

    @property
    def scope_name(self) -> str:
        p = self.params
        if self.scope.kind == "company":
            return t("company", self.lang)
        return p.get("team_name") or str(self.scope.value)


def open_report(**params) -> ReportContext:
    """Validate parameters, connect, and resolve as-of date, period and scope.

    Accepts any keys of ``params/defaults.yaml`` (the notebook passes its parameters cell).
    ``employee`` narrows the scope to one employee and their subordinates; else ``employees``
    lists ids; else ``team``; else the whole company.

    Raises
    ------
    ParamsError
        A parameter is unknown, of the wrong type, or not allowed; or the team is unknown.
    CRMDataError
        The data source breaks the data contract.
    """
    specs = load_specs()
    p = {k: s["default"] for k, s in specs.items()} | validate_params(
        params, where="notebook parameters", specs=specs)
    from crmlib import plots

    crm = connect(p.get("source"))
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
            from crmlib.exceptions import ParamsError

            raise ParamsError(f"`employees` lists unknown employee ids {missing}.")
        scope = Scope("team", p.get("team") or "selected", ids)
    elif p.get("team"):
        scope = resolve_scope(crm, team=p["team"])
    else:
        scope = Scope()
    lang = p.get("lang") or "en"
    plots.set_theme(lang)
    return ReportContext(crm, lang, as_of, period, scope, p)
