"""Scope: whose records a figure counts (company, one team, or one employee).

Credit goes to a record's owner (``owner_id``; follow-ups to their writer ``employee_id``).
"Employee and subordinates" follows ``manager_id`` transitively. A scope is resolved once, at
the top of a report, into the tuple of employee ids it covers; metric functions then filter the
owner column on those ids inside the engine.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import ibis
import pandas as pd

from crmlib.exceptions import ParamsError

__all__ = ["Scope", "resolve_scope", "subordinates"]


@dataclass(frozen=True)
class Scope:
    """A resolved scope: ``kind`` company / team / employee, its ``value`` and employee ids.

    Parameters
    ----------
    kind : str, default="company"
        ``company``, ``team`` or ``employee``.
    value : str, optional
        The team id or employee id.
    employee_ids : tuple of str, optional
        ``None`` for the whole company (no filter), else the ids covered.
    """

    kind: str = "company"
    value: str | None = None
    employee_ids: tuple[str, ...] | None = None

    def filter(self, table: ibis.Table, column: str = "owner_id") -> ibis.Table:
        """Keep the rows of ``table`` whose ``column`` is an employee in scope (all for company).

        Parameters
        ----------
        table : ibis.Table
            Any table with an employee column.
        column : str, default="owner_id"
            The employee column.

        Returns
        -------
        ibis.Table
            The filtered table (``table`` itself for the company).
        """
        if self.employee_ids is None:
            return table
        return table.filter(table[column].isin(list(self.employee_ids)))

    def __str__(self) -> str:
        """Return ``company``, ``team <id>`` or ``employee <id>``."""
        return "company" if self.kind == "company" else f"{self.kind} {self.value}"


def subordinates(employees: pd.DataFrame, employee_id: str) -> list[str]:
    """List ``employee_id`` and everyone below them through ``manager_id`` (cycle-safe), sorted.

    Parameters
    ----------
    employees : pandas.DataFrame
        With ``employee_id`` and ``manager_id``.
    employee_id : str
        The top of the tree.

    Returns
    -------
    list of str
        The employee ids, ``employee_id`` included.
    """
    reports = employees.groupby("manager_id")["employee_id"].apply(list).to_dict()
    seen, todo = {employee_id}, [employee_id]
    while todo:
        for e in reports.get(todo.pop(), []):
            if e not in seen:
                seen.add(e)
                todo.append(e)
    return sorted(seen)


def _unknown(kind: str, value: str, known) -> ParamsError:
    known = sorted(str(k) for k in known)
    hint = difflib.get_close_matches(str(value), known, n=1)
    return ParamsError(f"unknown {kind} `{value}`"
                       + (f"; did you mean `{hint[0]}`?" if hint else "")
                       + f" Known: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}.")


def resolve_scope(employees, *, team: str | None = None, employee: str | None = None,
                  include_subordinates: bool = True) -> Scope:
    """Resolve a scope against the employees table (a CRM, an ibis table or a pandas frame).

    ``employee`` wins over ``team``; neither means the whole company.

    Parameters
    ----------
    employees : CRM, ibis.Table or pandas.DataFrame
        The employees (``employee_id``, ``team``, ``manager_id``).
    team : str, optional
        A team id of ``employees.team``.
    employee : str, optional
        An employee id.
    include_subordinates : bool, default=True
        An employee scope covers their reports too.

    Returns
    -------
    Scope
        The company scope, or the team's or employee's scope with its employee ids.

    Raises
    ------
    ParamsError
        Unknown team or employee id (with a did-you-mean).
    """
    if hasattr(employees, "table"):
        employees = employees.table("employees")
    if isinstance(employees, ibis.Table):
        employees = employees.select("employee_id", "team", "manager_id").execute()
    if employee is not None:
        employee = str(employee)
        if employee not in set(employees["employee_id"]):
            raise _unknown("employee", employee, employees["employee_id"])
        ids = subordinates(employees, employee) if include_subordinates else [employee]
        return Scope("employee", employee, tuple(ids))
    if team is not None:
        team = str(team)
        members = employees.loc[employees["team"] == team, "employee_id"]
        if members.empty:
            raise _unknown("team", team, employees["team"].dropna().unique())
        return Scope("team", team, tuple(sorted(members)))
    return Scope()
