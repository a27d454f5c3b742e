"""Mapping files: checks of the file itself, and what each construct does to tiny frames."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.data.mapped import apply_table
from crmlib.data.mapping import TableMap, list_presets, load_mapping, source_problems
from crmlib.data.validate import validate
from crmlib.exceptions import ParamsError

GOOD = """
tables:
  employees:
    file: staff.csv
    columns: {employee_id: id, name: id, team: office}
"""


def mapping_file(tmp_path, text, name="m.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def frame(data: dict, rows=None) -> pd.DataFrame:
    df = pd.DataFrame(data, dtype=object)
    df.index = pd.Index(rows or range(1, len(df) + 1), name="row")
    return df


@pytest.mark.parametrize("text, message", [
    ("tabels: {}\n", r"m\.yaml: unknown key `tabels`; did you mean `tables`\?"),
    (GOOD.replace("columns:", "colums:"),
     r"tables\.employees: unknown key `colums`; did you mean `columns`\?"),
    (GOOD.replace("employees:", "employes:"),
     r"tables: unknown table `employes`; did you mean `employees`\?"),
    (GOOD.replace("team: office", "teem: office"),
     r"tables\.employees\.columns: unknown column `teem` of employees; did you mean `team`\?"),
    (GOOD.replace("team: office", "team: {colum: office}"),
     r"tables\.employees\.columns\.team: unknown key `colum`; did you mean `column`\?"),
    (GOOD.replace("team: office", "team: {column: office, agg: summ}"),
     r"unknown agg `summ`; did you mean `sum`\? \(one of first"),
    (GOOD.replace(", team: office", ""), r"tables\.employees: required column `team` is not mapped"),
    ("tables:\n  employees: {file: a.csv, rows: []}\n", r"give either `file`"),
    ("tables: [\n", r"m\.yaml: not valid YAML"),
    ("!!python/object/apply:os.system ['echo hi']\n", r"m\.yaml: not valid YAML"),
])
def test_mapping_file_errors(tmp_path, text, message):
    with pytest.raises(ParamsError, match=message):
        load_mapping(mapping_file(tmp_path, text))


def test_all_problems_reported_at_once(tmp_path):
    text = GOOD.replace("columns:", "colums:").replace("file:", "fil:")
    with pytest.raises(ParamsError) as exc:
        load_mapping(mapping_file(tmp_path, text))
    msg = str(exc.value)
    assert msg.startswith(f"{tmp_path / 'm.yaml'}: 2 problems")
    assert "`colums`" in msg and "`fil`" in msg


def test_unknown_preset_did_you_mean():
    with pytest.raises(ParamsError, match=r"unknown mapping `mavn_crm`; did you mean `maven_crm`\?"):
        load_mapping("mavn_crm")


def test_presets_load():
    assert {"canonical", "maven_crm", "superstore"} <= set(list_presets())
    for name in ("canonical", "maven_crm", "superstore"):
        m = load_mapping(name)
        assert m.name == name and m.tables
    assert load_mapping("maven_crm").defects  # printed in the import summary


def test_missing_source_columns_named_with_hint():
    tm = load_mapping("maven_crm").tables["opportunities"]
    headers = ["opportunity_id", "sales_agent", "product", "account", "deal_stage",
               "engage_date", "clse_date", "close_value"]
    problems, _ = source_problems(tm, "sales_pipeline.csv", headers)
    assert problems == ["sales_pipeline.csv header: no column `close_date` (the mapping reads it "
                        "for opportunities.closed_at); did you mean `clse_date`?"]


def test_where_values_when_and_constants():
    tm = TableMap("opportunities", files=["x.csv"], where={"keep": ["y"]})
    m = load_mapping("maven_crm").tables["opportunities"]
    tm.columns = m.columns
    src = frame({"opportunity_id": ["a", "b", "c"], "sales_agent": ["E1"] * 3,
                 "deal_stage": ["Won", "Lost", "Won"], "account": [None, "X", "Y"],
                 "product": ["GTXPro", "GTX Pro", "GTXPro"], "engage_date": ["2017-01-01"] * 3,
                 "close_date": ["2017-02-01"] * 3, "close_value": ["10", "0", "30"],
                 "keep": ["y", "y", "n"]}, rows=[1, 2, 4])
    out = apply_table(tm, [("x.csv", src)])
    assert out.rows.tolist() == [1, 2] and out.source_rows == 3
    assert out.data["product_id"].tolist() == ["GTX Pro", "GTX Pro"]
    assert out.data["amount"].tolist() == ["10", None]  # only Won deals carry an amount
    assert out.data["pipeline"].tolist() == ["default", "default"]
    assert "opportunities.product_id: `GTXPro` -> `GTX Pro` in 1 rows" in out.findings


def test_group_by_sum_first_sort_and_sequence(tmp_path):
    m = load_mapping(mapping_file(tmp_path, """
tables:
  customers:
    file: o.csv
    group_by: cust
    sort_by: {column: day, format: "%m/%d/%Y"}
    columns:
      customer_id: cust
      name: cust
      created_at: {column: day, format: "%m/%d/%Y", agg: min}
      city: city
  contracts:
    file: o.csv
    group_by: order
    columns:
      contract_id: order
      customer_id: cust
      owner_id: {value: E1}
      signed_at: {column: day, format: "%m/%d/%Y"}
      amount: {column: sales, agg: sum}
  contract_lines:
    file: o.csv
    columns:
      contract_id: order
      line_no: {sequence: order}
      product_id: {value: P1}
      quantity: {value: 1}
      amount: sales
"""))
    src = frame({"order": ["O1", "O2", "O1", "O3", "O3"], "cust": ["A", "B", "A", "A", "B"],
                 "day": ["3/1/2024", "2/1/2024", "3/1/2024", "1/15/2024", "5/1/2024"],
                 "city": ["Rome", "Oslo", "Rome", "Pisa", "Bonn"],
                 "sales": ["1,000.10", "2", "3.05", "abc", "1"]})
    cust = apply_table(m.tables["customers"], [("o.csv", src)])
    c = cust.data.set_index("customer_id")
    assert c.loc["A", "created_at"] == pd.Timestamp("2024-01-15")
    assert c.loc["A", "city"] == "Pisa"  # city of the first order by date, not by file order
    assert "customers.city: 2 `cust` values have more than one `city`; kept the first by `day`" \
        in cust.findings
    orders = apply_table(m.tables["contracts"], [("o.csv", src)])
    assert orders.rows.tolist() == [1, 2, 4]  # a group's row is its first row in the file
    acc, rej = validate(orders.data, "contracts", source="o.csv", row_numbers=orders.rows,
                        formats=orders.formats, labels=orders.labels)
    assert acc.set_index("contract_id")["amount"].round(2).to_dict() == {"O1": 1003.15, "O2": 2.0}
    assert rej["row_number"].tolist() == [4]
    assert rej["reason"].tolist() == ["`sales` `abc` is not a number"]
    lines = apply_table(m.tables["contract_lines"], [("o.csv", src)])
    assert lines.data["line_no"].tolist() == [1, 1, 2, 1, 2]
