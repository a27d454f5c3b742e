"""Products on a tiny CRM, every number worked out by hand; Superstore and Maven checked with
plain pandas on their CSV files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crmlib import metrics, plots
from crmlib.data.connect import from_frames
from crmlib.exceptions import ParamsError
from crmlib.i18n import CATALOGUE
from crmlib.scope import resolve_scope

MARCH = ("2024-03-01", "2024-03-31")


def frames():
    return {
        "employees": pd.DataFrame({"employee_id": ["e1", "e2"], "name": ["A", "B"],
                                   "team": ["east", "west"]}),
        "customers": pd.DataFrame({"customer_id": ["c1"], "name": ["x"],
                                   "created_at": ["2024-01-01"], "owner_id": ["e1"]}),
        # P2's active flag is empty (= active); P4's category is blank (= unknown); P5 is
        # inactive but sells in March; P6 is inactive and sells nothing; P3 sells nothing in
        # March (its lines are void or February). P9 (on k1) is not in this table.
        "products": pd.DataFrame({
            "product_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
            "name": ["Alpha", "Beta", "Gamma", "Delta", "Old", "Dead", "Net"],
            "category": ["HW", "HW", "SW", " ", "SW", "SVC", "NET"],
            "series": ["s1", "s2", "s2", None, None, "s9", "s3"],
            "active": [True, None, True, True, False, False, True]}),
        # k3 is void, k4 is February; k2 has no status (effective); k5 at 23:00 on March 31
        "contracts": pd.DataFrame({
            "contract_id": ["k1", "k2", "k3", "k4", "k5"], "customer_id": ["c1"] * 5,
            "owner_id": ["e1", "e2", "e1", "e1", "e2"],
            "signed_at": ["2024-03-05", "2024-03-20", "2024-03-10", "2024-02-28",
                          "2024-03-31 23:00"],
            "amount": [160.0, 75, 999, 70, 80],
            "status": ["approved", None, "void", "approved", "approved"]}),
        "contract_lines": pd.DataFrame({
            "contract_id": ["k1", "k1", "k1", "k2", "k2", "k2", "k3", "k4", "k5", "k5"],
            "product_id": ["P1", "P2", "P9", "P1", "P4", "P7", "P3", "P3", "P5", "P2"],
            "quantity": [2.0, 1, 1, 1, 3, 1, 1, 1, 1, 2],
            "amount": [100.0, 50, 10, 40, 30, 5, 999, 70, 20, 60],
            "line_no": [1, 2, 3, 1, 2, 3, 1, 1, 1, 2]}),
        # r2: March return of the February k4; r3: of the void k3 (not counted); r4: no
        # product (unknown), no quantity; r5: April
        "returns": pd.DataFrame({
            "return_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "contract_id": ["k1", "k4", "k3", "k2", "k1", "k2"],
            "returned_at": ["2024-03-15", "2024-03-02", "2024-03-12", "2024-03-25",
                            "2024-04-02", "2024-03-28"],
            "amount": [50.0, 35, 999, 15, 10, 20],
            "product_id": ["P1", "P3", "P3", None, "P2", "P1"],
            "quantity": [1.0, 1, 1, None, 1, 2]}),
    }


def test_sales_by_product(crm):
    df = metrics.product_sales(crm, period=MARCH)
    assert list(df.columns) == ["product_id", "name", "category", *metrics.SALES_COLUMNS]
    # March lines of effective contracts k1, k2, k5 (k3 void, k4 February):
    # P1 k1 2x100 + k2 1x40 = 140 (2 contracts, 3 units); P2 k1 50 + k5 60 = 110 (2, 3);
    # P4 k2 30 (1, 3); P5 k5 20 (inactive, but sold); P7 k2 5; P3 active, 0; P6 inactive
    # and unsold: not listed; P9 unknown k1 10. Total 315.
    assert df["product_id"].tolist() == ["P1", "P2", "P4", "P5", "P7", "P3", None]
    assert df["kind"].tolist() == ["value"] * 6 + ["unknown"]
    assert df["amount"].tolist() == [140, 110, 30, 20, 5, 0, 10]
    assert df["contracts"].tolist() == [2, 2, 1, 1, 1, 0, 1]
    assert df["quantity"].tolist() == [3, 3, 3, 1, 1, 0, 1]
    assert df["share"].tolist() == pytest.approx([140 / 315, 110 / 315, 30 / 315, 20 / 315,
                                                  5 / 315, 0, 10 / 315])
    assert df.loc[0, ["name", "category"]].tolist() == ["Alpha", "HW"]
    assert df.loc[2, "category"] is None  # P4's blank category
    assert df.attrs["amount"] == 315 and df.attrs["contracts"] == 3  # k1, k2, k5
    assert df["share"].sum() == pytest.approx(1)


def test_sales_by_category_and_series(crm):
    df = metrics.product_sales(crm, period=MARCH, by="category")
    assert list(df.columns) == ["category", *metrics.SALES_COLUMNS]
    # HW = P1 + P2: 250, contracts {k1, k2, k5}; SW = P5 20 (P3 is SW too: 0); NET = P7 5;
    # unknown = P4 (blank category) 30 + P9 (not in products) 10 = 40, contracts {k1, k2},
    # 2 products. SVC has only the inactive, unsold P6: not listed.
    assert df["category"].tolist() == ["HW", "SW", "NET", None]
    assert df["amount"].tolist() == [250, 20, 5, 40]
    assert df["contracts"].tolist() == [3, 1, 1, 2]
    assert df["quantity"].tolist() == [6, 1, 1, 4]
    assert df["values"].tolist() == [1, 1, 1, 2]
    s = metrics.product_sales(crm, period=MARCH, by="series").set_index("series", drop=False)
    # s1 = P1 140; s2 = P2 110 (+ P3 0); s3 = P7 5; unknown = P4, P5 (no series) + P9 = 60
    assert s["amount"].tolist() == [140, 110, 5, 60]
    assert s["kind"].iloc[-1] == "unknown" and s["values"].iloc[-1] == 3


def test_category_without_sales_listed_with_zero(crm):
    df = metrics.product_sales(crm, period=("2024-02-01", "2024-02-29"), by="category")
    # February: only k4's P3 (SW) 70; HW and NET (active products) listed with 0
    assert df.set_index("category")["amount"].to_dict() == {"SW": 70, "HW": 0, "NET": 0}
    empty = metrics.product_sales(crm, period=("2025-01-01", "2025-01-31"))
    assert (empty["amount"] == 0).all() and len(empty) == 5  # 5 active products
    assert empty["share"].isna().all()  # nothing sold: shares undefined, not 0


def test_top_n_and_other(crm):
    df = metrics.product_sales(crm, period=MARCH, top=2)
    # kept P1, P2; other = P4 30 + P5 20 + P7 5 + P3 0 = 55, 5 units, contracts {k2, k5}
    assert df["kind"].tolist() == ["value", "value", "other", "unknown"]
    other = df.iloc[2]
    assert (other["amount"], other["quantity"], other["contracts"], other["values"]) == (
        55, 5, 2, 4)
    assert df["share"].sum() == pytest.approx(1)
    cat = metrics.product_sales(crm, period=MARCH, by="category", top=1)
    # HW; other = SW 20 + NET 5 (contracts k5, k2); unknown apart
    assert cat["kind"].tolist() == ["value", "other", "unknown"]
    assert cat.iloc[1][["amount", "contracts", "values"]].tolist() == [25, 2, 2]
    # a single row left over keeps its name: 6 named rows, top 5
    assert "other" not in metrics.product_sales(crm, period=MARCH, top=5)["kind"].tolist()


def test_scope(crm):
    east = metrics.product_sales(crm, period=MARCH, scope=resolve_scope(crm, team="east"))
    # e1's March contract k1 only: P1 100 (2 units), P2 50, P9 10; the other active
    # products P3, P4, P7 with 0; P5 (inactive) sold only to e2: not listed
    got = east.set_index("product_id", drop=False)
    assert east["product_id"].tolist() == ["P1", "P2", "P3", "P4", "P7", None]
    assert east["amount"].tolist() == [100, 50, 0, 0, 0, 10]
    assert got.loc["P1", "quantity"] == 2 and east.attrs["contracts"] == 1


def test_category_mix(crm):
    mix = metrics.category_mix(crm, period=MARCH)
    assert list(mix.columns) == metrics.MIX_COLUMNS
    assert len(mix) == 31 * 4  # every day of March x (HW, SW, NET, unknown)
    day = mix[mix["bucket"] == "2024-03-05"].set_index("kind", append=True)
    # k1: HW 150 (P1 100 + P2 50), unknown P9 10 -> shares 150/160, 0, 0, 10/160
    assert day["amount"].tolist() == [150, 0, 0, 10]
    assert day["share"].tolist() == pytest.approx([150 / 160, 0, 0, 10 / 160])
    last = mix[mix["bucket"] == "2024-03-31"]
    assert last["amount"].tolist() == [60, 20, 0, 0]  # k5 at 23:00 is still March 31
    empty = mix[mix["bucket"] == "2024-03-06"]
    assert (empty["amount"] == 0).all() and empty["share"].isna().all()
    assert mix["amount"].sum() == 315


def test_category_mix_by_month_with_top(crm):
    mix = metrics.category_mix(crm, period="this_quarter")  # as_of = last event, March 31
    assert mix.attrs["bucket"] == "month"  # a quarter by month: Jan 0, Feb 70 (SW), Mar 315
    assert mix.groupby("bucket")["amount"].sum().tolist() == [0, 70, 315]
    q1 = metrics.category_mix(crm, period=("2024-01-01", "2024-03-31"), top=1)
    # 91 days: weekly buckets. Over Q1: HW 250, SW 90 (P3 70 in Feb + P5 20), NET 5 ->
    # HW kept, SW and NET become other; unknown 40 apart
    assert q1.attrs["bucket"] == "week" and q1.attrs["others"] == ["NET", "SW"]
    week = q1[q1["bucket"] == "2024-02-26"]  # k4 on Feb 28: P3 (SW) 70
    assert week["kind"].tolist() == ["value", "other", "unknown"]
    assert week["amount"].tolist() == [0, 70, 0]
    assert q1.groupby("kind")["amount"].sum().to_dict() == {"other": 95, "unknown": 40,
                                                            "value": 250}


def test_product_returns(crm):
    df = metrics.product_returns(crm, period=MARCH)
    assert list(df.columns) == ["product_id", "name", "category", *metrics.RETURN_COLUMNS]
    # P1: r1 50 + r6 20 = 70 against 140 sold -> 0.5, 2 returns, 3 units;
    # P3: r2 35 (k4 signed in February, returned in March) but nothing sold -> NaN;
    # r3 (void contract) and r5 (April) do not count; unknown: r4 15 (no product, no
    # quantity) against P9's 10 sold -> 1.5. Other sold products: rate 0.
    assert df["product_id"].tolist() == ["P1", "P3", "P2", "P4", "P5", "P7", None]
    assert df["returned_amount"].tolist() == [70, 35, 0, 0, 0, 0, 15]
    assert df["returns"].tolist() == [2, 1, 0, 0, 0, 0, 1]
    assert df["returned_quantity"].tolist() == [3, 1, 0, 0, 0, 0, 0]
    assert df["sold_amount"].tolist() == [140, 0, 110, 30, 20, 5, 10]
    assert df.loc[0, "return_rate"] == 0.5 and math.isnan(df.loc[1, "return_rate"])
    assert df.loc[6, "return_rate"] == 1.5 and df.loc[2, "return_rate"] == 0
    assert df.attrs["returned_amount"] == 120 and df.attrs["sold_amount"] == 315
    assert df.attrs["return_rate"] == pytest.approx(120 / 315)
    cat = metrics.product_returns(crm, period=MARCH, by="category")
    # HW 70 / 250 = 0.28; SW 35 / 20 = 1.75 (an earlier sale came back); unknown 15 / 40
    assert cat["category"].tolist() == ["HW", "SW", "NET", None]
    assert cat["return_rate"].tolist() == pytest.approx([0.28, 1.75, 0, 0.375])


def test_product_returns_scope_and_top(crm):
    west = metrics.product_returns(crm, period=MARCH, scope=resolve_scope(crm, team="west"))
    # e2 owns k2 and k5: P1 sold 40 (k2), returned r6 20 -> 0.5; r4 unknown 15, nothing
    # unknown sold by e2 -> NaN
    assert west.iloc[0][["product_id", "sold_amount", "returned_amount", "return_rate"]
                        ].tolist() == ["P1", 40, 20, 0.5]
    assert west.iloc[-1]["kind"] == "unknown" and math.isnan(west.iloc[-1]["return_rate"])
    top = metrics.product_returns(crm, period=MARCH, top=1)
    # P1; other = P3, P2, P4, P5, P7: returned 35, sold 165 -> 35/165
    assert top["kind"].tolist() == ["value", "other", "unknown"]
    assert top.iloc[1]["return_rate"] == pytest.approx(35 / 165)
    assert top.iloc[1]["values"] == 5


def test_missing_tables_say_not_available():
    f = frames()
    no_returns = from_frames({k: v for k, v in f.items() if k != "returns"})
    r = metrics.product_returns(no_returns, period=MARCH)
    assert r.empty and r.attrs["available"] is False and r.attrs["missing_table"] == "returns"
    assert repr(plots.returns_table(r, "en")) == ("Not available: the data has no `returns` "
                                                  "table.")
    no_products = from_frames({k: v for k, v in f.items() if k != "products"})
    for df in (metrics.product_sales(no_products, period=MARCH),
               metrics.category_mix(no_products, period=MARCH)):
        assert df.empty and df.attrs["missing_table"] == "products"
    assert plots.is_not_available_figure(plots.product_bars(metrics.product_sales(no_products, period=MARCH)))
    assert "products" in repr(plots.product_table(
        metrics.product_sales(no_products, period=MARCH), "zh"))


def test_bad_input(crm):
    with pytest.raises(ParamsError, match="did you mean `category`"):
        metrics.product_sales(crm, period=MARCH, by="categroy")
    with pytest.raises(ParamsError, match="`top`"):
        metrics.product_sales(crm, period=MARCH, top=0)
    with pytest.raises(ParamsError, match="not a mix"):
        metrics.category_mix(crm, period=MARCH, by="product")
    with pytest.raises(ParamsError, match="not a preset name"):
        metrics.product_returns(crm, period=42)


def test_plots_and_tables(crm):
    df = metrics.product_sales(crm, period=MARCH, top=2)
    ax = plots.product_bars(df, title="Top").axes[0]
    assert [tl.get_text() for tl in ax.get_yticklabels()] == ["Alpha", "Beta", "other (4)",
                                                              "unknown"]
    assert len(ax.patches) == 4
    assert repr(plots.product_table(df, "en")).splitlines() == [
        "Product | Contracts | Quantity | Amount | Share of amount",
        "Alpha | 2 | 3 | 140.00 | 44.4%",
        "Beta | 2 | 3 | 110.00 | 34.9%",
        "other (4) | 2 | 5 | 55.00 | 17.5%",
        "unknown | 1 | 1 | 10.00 | 3.2%",
        "Total | 3 | 12 | 315.00 | 100.0%"]
    cat = metrics.product_sales(crm, period=MARCH, by="category")
    assert repr(plots.product_table(cat, "zh")).splitlines()[-1] == "合计 | 3 | 12 | 315.00 | 100.0%"
    mix = metrics.category_mix(crm, period=("2024-01-01", "2024-03-31"), top=1)
    ax = plots.category_mix_bars(mix, title="Mix").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["HW", "other (2)",
                                                                   "unknown"]
    assert len(ax.patches) == 3 * mix["bucket"].nunique()
    ret = metrics.product_returns(crm, period=MARCH)
    ax = plots.return_rate_bars(ret, lang="zh", title="退货率").axes[0]
    assert ax.get_yticklabels()[-1].get_text() == "未知"
    lines = repr(plots.returns_table(ret, "en")).splitlines()
    assert lines[2] == "Gamma | 0.00 | 1 | 1 | 35.00 | —"
    assert lines[-1] == "Total | 315.00 | 4 | 4 | 120.00 | 38.1%"
    nothing = metrics.product_sales(crm, period=("2025-01-01", "2025-01-31"))
    assert plots.is_not_available_figure(plots.product_bars(nothing))


def test_labels_exist_in_both_languages():
    keys = [k for k in CATALOGUE if k.startswith(("prod_", "note_prod_"))]
    assert len(keys) > 20
    for key in keys:
        assert CATALOGUE[key]["en"] and CATALOGUE[key]["zh"], key


# -- Superstore and Maven: checked against the CSV files with plain pandas ---------------------
def _shared(name):
    from crmlib.config import SHARED_DATASETS

    src = SHARED_DATASETS / name
    if not src.is_dir():
        pytest.skip(f"the public data sets are not here ({SHARED_DATASETS})")
    return src


@pytest.fixture(scope="module")
def superstore_crm(tmp_path_factory):
    from crmlib.data.connect import connect
    from crmlib.data.importer import import_files

    src = _shared("superstore")
    path = tmp_path_factory.mktemp("superstore") / "superstore.duckdb"
    import_files([src], "superstore", into=path, progress=False)
    crm = connect(path)
    yield crm
    crm.close()


def test_superstore_category_amounts_2019(superstore_crm):
    src = _shared("superstore")
    csv = pd.read_csv(src / "Sample - Superstore.csv", encoding="utf-8-sig")
    csv["Order Date"] = pd.to_datetime(csv["Order Date"], format="%m/%d/%Y")
    y2019 = csv[(csv["Order Date"] >= "2019-01-01") & (csv["Order Date"] <= "2019-12-31")]
    want = y2019.groupby("Category")["Sales"].sum()
    df = metrics.product_sales(superstore_crm, period=("2019-01-01", "2019-12-31"),
                               by="category")
    assert (df["kind"] == "value").all()  # every product known, every category named
    got = df.set_index("category")["amount"]
    assert got.sort_index().to_dict() == pytest.approx(want.sort_index().to_dict())
    assert df.set_index("category")["contracts"].to_dict() == y2019.groupby("Category")[
        "Order ID"].nunique().to_dict()
    series = metrics.product_sales(superstore_crm, period=("2019-01-01", "2019-12-31"),
                                   by="series", top=5)
    assert len(series) == 6 and series.iloc[-1]["values"] == 12  # 17 sub-categories
    assert series["amount"].sum() == pytest.approx(y2019["Sales"].sum())
    mix = metrics.category_mix(superstore_crm, period=("2019-01-01", "2019-12-31"))
    june = mix[mix["bucket"] == "2019-06-01"].set_index("category")["amount"]
    jw = y2019[y2019["Order Date"].dt.month == 6].groupby("Category")["Sales"].sum()
    assert june.sort_index().to_dict() == pytest.approx(jw.sort_index().to_dict())


def test_maven_product_amounts_2017(maven_crm):
    src = _shared("maven_crm")
    sp = pd.read_csv(src / "sales_pipeline.csv", parse_dates=["close_date"])
    won = sp[(sp["deal_stage"] == "Won") & (sp["close_date"] >= "2017-01-01")
             & (sp["close_date"] <= "2017-12-31")]
    want = won.assign(product=won["product"].replace({"GTXPro": "GTX Pro"})).groupby(
        "product")["close_value"].agg(["sum", "count"])
    df = metrics.product_sales(maven_crm, period=("2017-01-01", "2017-12-31"))
    got = df.set_index("product_id")
    assert (df["kind"] == "value").all() and len(df) == 7
    assert got["amount"].sort_index().to_dict() == pytest.approx(want["sum"].to_dict())
    assert got["contracts"].sort_index().to_dict() == want["count"].to_dict()
    r = metrics.product_returns(maven_crm, period=("2017-01-01", "2017-12-31"))
    assert r.empty and r.attrs["missing_table"] == "returns"


def test_notebook_runs_on_maven(maven_notebook):
    text = maven_notebook("80_products")
    assert "Not available: the data has no `returns` table." in text
    assert "GTX Pro" in text
