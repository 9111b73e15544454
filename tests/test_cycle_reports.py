"""The monthly report and the meeting pack: figures = a hand count, fonts embedded, text found."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from gis.config import load_settings
from gis.cycle.demo import clear_cycle_demo
from gis.demo import load_demo
from gis.demo_areas import AREAS
from gis.reports.meeting import produce_meeting_pack
from gis.reports.monthly import load_context, produce_monthly_report
from gis.schema import main_gate

D = dt.date
X, Y = "demo-post-01", "demo-post-02"          # 雄石派出所, 东门派出所 in the guixi demo
A, B, C = "demo-school-01", "demo-school-04", "demo-school-05"    # in X
E = "demo-school-02"                                              # in Y
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    """The guixi demo with hand-made records for October 2025 instead of the generated ones."""
    from gis.store import open_store

    path = tmp_path_factory.mktemp("report") / "r.db"
    store = open_store(f"sqlite:///{path}")
    load_demo(store, area="guixi")
    clear_cycle_demo(store)
    posts = store.read_layer("police_posts")
    store.delete_rows("police_posts", list(posts.loc[posts["kind"] == "office", "id"]))
    gate = main_gate(store.read_layer("schools").set_index("id").loc[A, "gates"])
    office = gpd.GeoDataFrame({"id": ["O-A"], "name": ["城西警务室"], "kind": ["office"]},
                              geometry=[Point(gate.x, gate.y)], crs=4326).rename_geometry("point")
    store.write_layer("police_posts", office, source="test")
    ins = pd.DataFrame([
        ("i1", A, D(2025, 9, 10), "station"), ("i2", A, D(2025, 10, 8), "station"),
        ("i3", B, D(2025, 10, 9), "station"), ("i4", C, D(2025, 10, 15), "joint"),
        ("i5", B, D(2025, 10, 20), "comprehensive"), ("i6", A, D(2025, 11, 3), "station"),
        ("i7", E, D(2025, 10, 2), "station"),
    ], columns=["id", "school_id", "date", "kind"])
    notices = pd.DataFrame([
        ("n1", A, D(2025, 9, 20), D(2025, 10, 10), "保安不足", "open", None),        # overdue 21 d → escalate
        ("n2", B, D(2025, 10, 5), D(2025, 10, 25), "视频盲区", "closed", D(2025, 10, 20)),
        ("n3", C, D(2025, 10, 28), D(2025, 11, 15), "防冲撞设施", "open", None),
        ("n4", A, D(2025, 9, 1), D(2025, 9, 15), "门卫登记", "closed", D(2025, 9, 10)),
        ("n5", E, D(2025, 10, 12), D(2025, 10, 30), "围墙破损", "rectifying", None),   # overdue 1 d
    ], columns=["id", "school_id", "issued_on", "deadline", "items", "status", "closed_on"])
    visits = pd.DataFrame([("v1", A, D(2025, 10, 6)), ("v2", A, D(2025, 10, 8)), ("v3", A, D(2025, 10, 14)),
                           ("v4", A, D(2025, 9, 30))], columns=["id", "school_id", "date"])
    drills = pd.DataFrame([("d1", B, D(2025, 10, 16), "alarm_test", "07:40", 600.0)],
                          columns=["id", "school_id", "date", "kind", "alarm_time", "police_arrival_s"])
    for name, frame in (("inspections", ins), ("notices", notices), ("visits", visits), ("drills", drills)):
        store.write_layer(name, frame, source="hand")
    yield store
    store.close()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "cycle.toml"
    path.write_text("[cycle]\noffice_serves_within_m = 50\n", encoding="utf-8")
    return load_settings(config=path)


@pytest.fixture(scope="module")
def october(fixture_store, settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("monthly")
    ctx = load_context(fixture_store, settings=settings)
    figures, files = produce_monthly_report(fixture_store, settings=settings, month="2025-10", out_dir=out,
                                            today=D(2025, 11, 5), context=ctx)
    return figures, files, ctx


def test_monthly_figures_equal_the_hand_count(october):
    figures, _, ctx = october
    x = figures.row(X)
    assert x["schools"] == 8     # the guixi demo's 雄石派出所 schools
    # term to date (autumn from 09-01): A two station inspections (i6 is November), B one + one
    # comprehensive; required 3 per school (2 station + 1 comprehensive) = 24
    assert x["inspections_required"] == 24 and x["inspections_done"] == 4
    assert x["inspections_month"] == 4 and x["joint_month"] == 1            # i2, i3, i4, i5
    assert x["notices_opened"] == 2 and x["notices_closed"] == 1            # n2, n3 / n2
    assert x["notices_open"] == 2 and x["notices_overdue"] == 1 and x["notices_escalated"] == 1   # n1, n3 / n1
    assert x["visits"] == 3 and x["visits_required"] == 8                   # 4 school weeks × 2, one school served
    assert x["drills"] == 1
    y = figures.row(Y)
    assert (y["inspections_month"], y["notices_opened"], y["notices_overdue"], y["notices_escalated"]) == (1, 1, 1, 0)
    county = figures.row("全县")
    assert county["notices_opened"] == 3 and county["notices_overdue"] == 2 and county["visits"] == 3
    # the assessment's figures come from the assessment itself
    a = ctx.assessment
    mine = a[a["jurisdiction_id"] == X]
    assert x["weak"] == int(mine["level"].isin(["weak", "critical"]).sum())
    assert x["critical"] == int((mine["level"] == "critical").sum())


@needs_poppler
def test_pdfs_embed_the_font_and_show_names_and_figures(october):
    figures, files, _ = october
    names = {p.name for p in files["pdf"]}
    assert names == {"monthly_2025-10_county.pdf", "monthly_2025-10_demo-post-01.pdf",
                     "monthly_2025-10_demo-post-02.pdf", "monthly_2025-10_demo-post-03.pdf"}
    station = next(p for p in files["pdf"] if p.name.endswith("demo-post-01.pdf"))
    fonts = _fonts(station)
    assert "NotoSansCJK" in fonts and " yes yes " in fonts.splitlines()[2] + " "
    text = _text(station)
    assert "雄石派出所 护校安园工作月报" in text and "2025年10月" in text
    assert "本月下发 2，销号 1，月末未销号 2，逾期 1" in text
    assert "本月警务室民警到校 3 次，按每周 2 次应到校 8 次" in text
    assert "保安不足" in text and "【挂牌督办】逾期 21 天" in text
    assert "演示·城北小学" in text and "10.0" in text          # the drill: 600 s measured = 10.0 min
    county = _text(next(p for p in files["pdf"] if "county" in p.name))
    for name in ("雄石派出所", "东门派出所", "花园派出所"):
        assert name in county


def test_xlsx_has_a_sheet_per_station_and_the_snapshot_is_stored(october, fixture_store, settings, tmp_path):
    figures, files, ctx = october
    book = openpyxl.load_workbook(files["xlsx"][0])
    assert book.sheetnames == ["全县", "雄石派出所", "东门派出所", "花园派出所"]   # by jurisdiction id
    ws = book["雄石派出所"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(4, 22)}
    assert values["本月下发整改通知书"] == 2 and values["月末逾期通知书"] == 1 and values["本月警务室到校（次）"] == 3
    snaps = fixture_store.read_layer("snapshots").set_index("id")
    assert snaps.loc["2025-10/demo-post-01", "notices_opened"] == 2
    assert snaps.loc["2025-10/全县", "visits"] == 3
    # November: the change since October comes from the stored snapshot
    nov, _ = produce_monthly_report(fixture_store, settings=settings, month="2025-11", out_dir=tmp_path,
                                    today=D(2025, 11, 5), context=ctx, save_snapshot=False)
    assert nov.previous_value(X, "notices_opened") == 2
    assert nov.row(X)["inspections_month"] == 1 and nov.change(X)["inspections_month"] == -3


@needs_poppler
@pytest.mark.slow
@pytest.mark.parametrize("area", sorted(AREAS))
def test_meeting_pack_renders_for_every_demo_area(area, tmp_path):
    from gis.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    load_demo(store, area=area)
    settings = load_settings()
    out = produce_meeting_pack(store, settings=settings, out=tmp_path / "pack.pdf", today=dt.date.today())
    text = _text(out)
    assert "联席会议材料" in text and "全县概况" in text and "达标情况" in text
    posts = store.read_layer("police_posts")
    for name in posts.loc[posts["kind"] == "station", "name"]:
        assert name in text
    assert "NotoSansCJK" in _fonts(out)
    store.close()


def test_report_cli_contract(tmp_path, fixture_store):
    from gis.cli import main as cli_main

    db = fixture_store.url
    assert cli_main(["--db", db, "report", "monthly", "--month", "2025-13", "--out", str(tmp_path)]) == 2
    assert cli_main(["--db", db, "report", "meeting", "--out", str(tmp_path / "pack.txt")]) == 2
    assert cli_main(["--db", db, "report", "meeting", "--out", str(tmp_path / "p.pdf"),
                     "--jurisdiction", "nope"]) == 2
    assert cli_main(["--db", db, "report", "meeting", "--out", str(tmp_path / "p.pdf"),
                     "--jurisdiction", X, "--today", "2025-10-31"]) == 0
    if shutil.which("pdftotext"):
        text = _text(tmp_path / "p.pdf")
        assert "3. 雄石派出所：地图" in text and "东门派出所：地图" not in text   # one 派出所 only


def test_meeting_rates_are_the_coverage_rates_plus_inspections():
    """One source of truth: the pack's rates are gis.coverage.compliance_rates (a blank flag,
    未填报, counts as not compliant and is counted beside), plus the inspections row."""
    from gis.coverage import compliance_rates
    from gis.reports.meeting import meeting_rates

    a = pd.DataFrame({"school_id": ["s1", "s2", "s3", "s4"], "jurisdiction_id": ["P1", "P1", "P1", "P2"],
                      "area_type": ["urban"] * 4, "level": ["good", "weak", "good", "good"],
                      "techdef_ok": [True, False, None, True], "networked_ok": [True, True, True, True]})
    cycle = pd.DataFrame({"school_id": ["s1", "s2", "s3"], "inspections_done": [2, 1, 0],
                          "inspections_required": [2, 2, 2]})
    table = compliance_rates(a, settings=load_settings())
    rates = meeting_rates(table, cycle, jurisdiction_id="P1").set_index("indicator")
    tech = rates.loc["技防达标率"]
    assert tech["rate"] == pytest.approx(1 / 3, abs=1e-4)     # s3 blank = not shown to comply (not 1/2)
    assert tech["unreported"] == 1 and tech["schools"] == 3 and tech["area_type"] == "城区"
    assert tech["target"] == pytest.approx(0.8) and not tech["met"]
    assert rates.loc["视频联网率", "rate"] == 1.0
    assert rates.loc["本学期督导检查完成率", "rate"] == pytest.approx(3 / 6)
    county = meeting_rates(table, cycle, jurisdiction_id="全县").set_index("indicator")
    assert county.loc["技防达标率", "rate"] == pytest.approx(2 / 4)
    assert list(meeting_rates(None, cycle, jurisdiction_id="P1")["indicator"]) == ["本学期督导检查完成率"]
