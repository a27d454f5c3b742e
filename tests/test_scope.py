"""Scope resolution: teams, employees with subordinates, unknown names."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

import crmlib
from crmlib.exceptions import ParamsError
from crmlib.scope import Scope, resolve_scope, subordinates

EMP = pd.DataFrame({
    "employee_id": ["boss", "m1", "r1", "r2", "m2", "r3", "x"],
    "team": ["hq", "east", "east", "east", "north", "north", "north"],
    "manager_id": [None, "boss", "m1", "m1", "boss", "m2", "x"],  # x manages itself (a cycle)
})


def test_subordinates_are_transitive_and_cycle_safe():
    assert subordinates(EMP, "m1") == ["m1", "r1", "r2"]
    assert subordinates(EMP, "boss") == ["boss", "m1", "m2", "r1", "r2", "r3"]
    assert subordinates(EMP, "x") == ["x"]


def test_resolve():
    assert resolve_scope(EMP) == Scope()
    assert resolve_scope(EMP, team="north").employee_ids == ("m2", "r3", "x")
    assert resolve_scope(EMP, employee="m1").employee_ids == ("m1", "r1", "r2")
    assert resolve_scope(EMP, employee="m1", include_subordinates=False).employee_ids == ("m1",)
    assert str(resolve_scope(EMP, team="east")) == "team east"


@pytest.mark.parametrize("kwargs, message", [
    ({"team": "esat"}, "unknown team `esat`; did you mean `east`"),
    ({"employee": "r9"}, "unknown employee `r9`"),
    ({"team": "x' OR '1'='1"}, "unknown team"),
])
def test_unknown(kwargs, message):
    with pytest.raises(ParamsError, match=message):
        resolve_scope(EMP, **kwargs)


def test_filter_in_engine(tiny):
    crm = crmlib.connect(tiny)
    scope = resolve_scope(crm, team="east")
    c = scope.filter(crm.table("contracts"))
    assert sorted(c.contract_id.to_pandas()) == ["k1", "k2", "k3", "k4"]
    assert resolve_scope(crm).filter(crm.table("contracts")).count().execute() == 5
    # an id with quotes is data, not SQL
    odd = Scope("employee", "e'1", ("e'1); DROP TABLE contracts; --",))
    assert odd.filter(crm.table("contracts")).count().execute() == 0
    assert crm.table("contracts").count().execute() == 5
    assert isinstance(c, ibis.Table)
