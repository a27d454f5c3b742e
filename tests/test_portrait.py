"""Customer portrait on a tiny CRM, every number worked out by hand; Maven checked with pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.scope import resolve_scope

MARCH = ("2024-03-01", "2024-03-31")
COLS = ["value", "kind", "customers", "dealt", "dealt_rate", "share", "values"]


def frames():
    return {
        "employees": pd.DataFrame({
            "employee_id": ["e1", "e2", "e3"], "name": ["A", "B", "C"],
            "team": ["east", "east", "west"]}),
        # As of 2024-03-31:
        # c1 江苏省 e1, dealt 02-01                   -> counted, dealt
        # c2 江苏省 e2, dealt 04-02 (after as_of)     -> counted, not dealt
        # c3 " 浙江省 " (trimmed) e1, dealt 03-31 23:00 (on the as_of day) -> counted, dealt
        # c4 "" (empty = unknown) e3                 -> counted, not dealt
        # c5 None (unknown), public pool, dealt 03-15 -> counted (company scope only), dealt
        # c6 浙江省 deleted                            -> never counted
        # c7 上海市 created 04-01 (after as_of)       -> not counted
        # c8 上海市 e3, locked, created 03-31 12:00   -> counted, not dealt
        # c9 "   " (blank = unknown) e2, status None -> counted, not dealt
        "customers": pd.DataFrame({
            "customer_id": [f"c{i}" for i in range(1, 10)], "name": list("abcdefghi"),
            "created_at": ["2024-01-10", "2024-03-05", "2024-03-20", "2024-02-01",
                           "2024-03-10", "2024-02-15", "2024-04-01", "2024-03-31 12:00",
                           "2024-03-01"],
            "owner_id": ["e1", "e2", "e1", "e3", None, "e2", "e1", "e3", "e2"],
            "province": ["江苏省", "江苏省", " 浙江省 ", "", None, "浙江省", "上海市", "上海市",
                         "   "],
            "level": ["A", "B", "A", None, "C", "A", "A", "B", "C"],
            "status": ["active", "active", "active", "active", "active", "deleted", "active",
                       "locked", None],
            "dealt_at": ["2024-02-01", "2024-04-02", "2024-03-31 23:00", None, "2024-03-15",
                         "2024-02-20", None, None, None]}),
        # dealt_at is given above (it is derived from contracts only when the column is empty)
        "contracts": pd.DataFrame({
            "contract_id": ["k1"], "customer_id": ["c1"], "owner_id": ["e1"],
            "signed_at": ["2024-02-01"], "amount": [10.0], "status": ["approved"]}),
    }


def rows(df):
    return [(r.value, r.kind, r.customers, r.dealt) for r in df.itertuples()]


def test_province_whole_base(crm):
    df = metrics.customer_portrait(crm, dimension="province", period=MARCH,
                                   as_of="2024-03-31")
    assert list(df.columns) == COLS
    # counted c1 c2 c3 c4 c5 c8 c9 = 7. 江苏省 c1 c2 (dealt c1); 浙江省 c3 (dealt); 上海市 c8;
    # unknown c4 "" + c5 None + c9 blank = 3 (dealt c5). Ties at 1 by value: 上 < 浙.
    assert rows(df) == [("江苏省", "value", 2, 1), ("上海市", "value", 1, 0),
                        ("浙江省", "value", 1, 1), (None, "unknown", 3, 1)]
    assert df["share"].tolist() == pytest.approx([2 / 7, 1 / 7, 1 / 7, 3 / 7])
    assert df["dealt_rate"].tolist() == pytest.approx([0.5, 0.0, 1.0, 1 / 3])
    assert df["values"].tolist() == [1, 1, 1, 1]
    assert df.attrs["customers"] == 7 and df.attrs["dealt"] == 3


def test_as_of_defaults_to_the_last_day_of_the_period(crm):
    a = metrics.customer_portrait(crm, dimension="province", period=MARCH)
    b = metrics.customer_portrait(crm, dimension="province", period=MARCH, as_of="2024-03-31")
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["as_of"] == pd.Timestamp("2024-03-31")


def test_earlier_as_of(crm):
    # As of 2024-02-29: created by then and not deleted = c1 (江苏省, dealt 02-01), c4 ("");
    # c6 is deleted. Nothing else exists yet.
    df = metrics.customer_portrait(crm, dimension="province",
                                   period=("2024-02-01", "2024-02-29"))
    assert rows(df) == [("江苏省", "value", 1, 1), (None, "unknown", 1, 0)]


def test_dealt_after_as_of_is_not_dealt(crm):
    # c2 deals on 04-02: as of 03-31 not dealt, as of 04-02 dealt (and c7 now exists, 上海市).
    df = metrics.customer_portrait(crm, dimension="province", period=MARCH,
                                   as_of="2024-04-02").set_index("value")
    assert df.loc["江苏省", "dealt"] == 2
    assert df.loc["上海市", "customers"] == 2


def test_team_scope_excludes_the_pool(crm):
    # east = e1, e2: c1 c2 (江苏省, dealt c1), c3 (浙江省, dealt), c9 (blank). Pool c5 is out.
    east = resolve_scope(crm, team="east")
    df = metrics.customer_portrait(crm, dimension="province", period=MARCH, scope=east)
    assert rows(df) == [("江苏省", "value", 2, 1), ("浙江省", "value", 1, 1),
                        (None, "unknown", 1, 0)]


def test_created_in_period(crm):
    # Created in March: c2 (江苏省), c3 (浙江省, dealt), c5 (None, dealt), c8 (上海市), c9 (blank).
    # Ties at 1 by value: 上 < 江 < 浙; unknown c5 + c9 = 2 (dealt 1).
    df = metrics.customer_portrait(crm, dimension="province", period=MARCH,
                                   created_in_period=True)
    assert rows(df) == [("上海市", "value", 1, 0), ("江苏省", "value", 1, 0),
                        ("浙江省", "value", 1, 1), (None, "unknown", 2, 1)]
    assert df.attrs["created_in_period"] is True


def test_top_collapses_into_other_and_keeps_unknown_apart(crm):
    # top=1: 江苏省 2/1; other = 上海市 + 浙江省 = 2 customers, 1 dealt, 2 values; unknown 3/1.
    df = metrics.customer_portrait(crm, dimension="province", period=MARCH, top=1)
    assert rows(df) == [("江苏省", "value", 2, 1), (None, "other", 2, 1),
                        (None, "unknown", 3, 1)]
    assert df["values"].tolist() == [1, 2, 1]
    assert df["share"].sum() == pytest.approx(1.0)
    # top=2 leaves one value (浙江省): it keeps its name; top above the count: nothing to do
    for top in (2, 3):
        df = metrics.customer_portrait(crm, dimension="province", period=MARCH, top=top)
        assert df["kind"].tolist() == ["value", "value", "value", "unknown"]


def test_level_with_unknown(crm):
    # Counted: A c1 c3 (both dealt); B c2 c8; C c5 (dealt) c9; unknown c4.
    df = metrics.customer_portrait(crm, dimension="level", period=MARCH)
    assert rows(df) == [("A", "value", 2, 2), ("B", "value", 2, 0), ("C", "value", 2, 1),
                        (None, "unknown", 1, 0)]


def test_dimension_without_any_value_is_all_unknown(crm):
    # the `city` column is empty everywhere: the 7 counted customers are one unknown row
    df = metrics.customer_portrait(crm, dimension="city", period=MARCH)
    assert rows(df) == [(None, "unknown", 7, 3)]
    assert df["share"].tolist() == [1.0]


def test_no_customer_counted(crm):
    df = metrics.customer_portrait(crm, dimension="industry", period=("2023-01-01",
                                                                       "2023-01-31"))
    assert df.empty and list(df.columns) == COLS
    assert plots.is_not_available_figure(plots.portrait_bars(df))
    assert repr(plots.portrait_table(df, "en")) == "No data for this period."


def test_bad_input(crm):
    with pytest.raises(ParamsError, match="did you mean `province`"):
        metrics.customer_portrait(crm, dimension="provnce", period=MARCH)
    with pytest.raises(ParamsError, match="`top`"):
        metrics.customer_portrait(crm, dimension="province", period=MARCH, top=0)
    with pytest.raises(ParamsError):
        metrics.customer_portrait(crm, dimension="province", period="last_decade")


def many():
    # 35 cities: city i (i = 0..34) has 35 - i customers, the first one of each dealt.
    n = [35 - i for i in range(35)]
    cities = [f"city{i:02d}" for i in range(35) for _ in range(n[i])]
    k = len(cities)  # 35 + 34 + ... + 1 = 630
    first = [j == 0 for i in range(35) for j in range(n[i])]
    return from_frames({
        "employees": pd.DataFrame({"employee_id": ["e1"], "name": ["A"], "team": ["t"]}),
        "customers": pd.DataFrame({
            "customer_id": [f"c{j}" for j in range(k)], "name": [f"n{j}" for j in range(k)],
            "created_at": ["2024-01-01"] * k, "owner_id": ["e1"] * k, "city": cities,
            "dealt_at": ["2024-02-01" if f else None for f in first]}),
        "contracts": pd.DataFrame({
            "contract_id": ["k1"], "customer_id": ["c0"], "owner_id": ["e1"],
            "signed_at": ["2024-02-01"], "amount": [10.0], "status": ["approved"]})})


def test_35_categories_top_n_plus_other():
    df = metrics.customer_portrait(many(), dimension="city", period=MARCH, top=10)
    assert len(df) == 11
    assert df["value"].iloc[:10].tolist() == [f"city{i:02d}" for i in range(10)]
    # other = cities 10..34 with 25, 24, ..., 1 customers = 25 * 26 / 2 = 325; 25 dealt
    assert df.iloc[10][["kind", "customers", "dealt", "values"]].tolist() == [
        "other", 325, 25, 25]
    ax = plots.portrait_bars(df, lang="en", title="Customers by city").axes[0]
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert len(labels) == 11  # top_n + 1 bars
    assert labels[0] == "city00" and labels[-1] == "other (25 values)"
    assert ax.get_title() == "Customers by city"


def test_labels_in_both_languages(crm):
    df = metrics.customer_portrait(crm, dimension="level", period=MARCH, top=1)
    # A 2/2, other (B + C) 4/1, unknown 1/0
    assert plots.portrait_value_labels(df, "zh") == ["A（重点客户）", "其他（2 项）", "未知"]
    assert plots.portrait_value_labels(df, "en") == ["A (key account)", "other (2 values)",
                                                     "unknown"]
    text = repr(plots.portrait_table(df, "en")).splitlines()
    assert text[0] == "Value | Customers | Dealt customers | Dealt rate | Share of customers"
    # total 7 customers, 3 dealt = 42.9%
    assert text[-1] == "Total | 7 | 3 | 42.9% | 100.0%"
    zh = plots.portrait_bars(df, lang="zh", title="客户级别分析").axes[0]
    assert [x.get_text() for x in zh.get_yticklabels()][-1] == "未知"
    for key in ("portrait_title", "portrait_other", "note_portrait_base", "note_portrait_new",
                *(f"note_portrait_{d}" for d in metrics.PORTRAIT_DIMENSIONS),
                *(f"portrait_by_{d}" for d in metrics.PORTRAIT_DIMENSIONS)):
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["zh"]


def _maven_csv(name):
    from crmlib.config import SHARED_DATASETS

    return pd.read_csv(SHARED_DATASETS / "maven_crm" / name)


def test_maven_province_and_dealt(maven_crm):
    accounts = _maven_csv("accounts.csv")
    sp = _maven_csv("sales_pipeline.csv")
    df = metrics.customer_portrait(maven_crm, dimension="province",
                                   period=("2017-01-01", "2017-12-31"))
    expected = accounts["office_location"].value_counts()
    got = df.set_index("value")["customers"]
    assert got.to_dict() == expected.to_dict()
    # dealt = accounts with a won deal closed by 2017-12-31
    won = sp[(sp["deal_stage"] == "Won") & (pd.to_datetime(sp["close_date"]) <= "2017-12-31")]
    assert df["dealt"].sum() == won["account"].nunique()
    city = metrics.customer_portrait(maven_crm, dimension="city",
                                     period=("2017-01-01", "2017-12-31"))
    assert rows(city) == [(None, "unknown", len(accounts), won["account"].nunique())]


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("70_customer_portrait")
    assert "United States" in text
    assert "unknown | 85 | 85 | 100.0% | 100.0%" in text  # city, level and source
