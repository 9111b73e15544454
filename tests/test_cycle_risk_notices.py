"""Rectification notices addressed to risk sites: on the 检查整改 layer, in the monthly figures,
the monthly report and the meeting pack; restricted sites never shown."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pandas as pd
import pytest
from shapely.geometry import Point

from gis.cycle import CycleConfig, monthly_figures, notice_states
from gis.cycle.rules import RESTRICTED_PLACE_ZH, notice_places
from gis.reports.monthly import ReportInputs, write_monthly_pdf
from gis.viz.cycle import risk_notice_features

D = dt.date
TODAY = D(2025, 10, 31)
SECRET = "张某某 住城西巷3号"      # a restricted note: must never appear anywhere


@pytest.fixture(scope="module")
def layers(demo_layers):
    """The guixi demo plus a restricted (sensitive) site next to a café."""
    sites = demo_layers["risk_sites"].copy()
    geom = sites.geometry.name
    cafe = sites[sites["category"] == "internet_cafe"].iloc[0]
    secret = sites.iloc[[0]].copy()
    secret["id"], secret["category"], secret["sensitive"], secret["note"] = "demo-risk-secret", "dispute", True, SECRET
    secret[geom] = [Point(cafe[geom].x + 0.0005, cafe[geom].y)]
    return {**demo_layers, "risk_sites": pd.concat([sites, secret], ignore_index=True)}, str(cafe["id"])


def _notices(cafe: str) -> pd.DataFrame:
    return pd.DataFrame([
        ("r1", None, cafe, D(2025, 10, 2), D(2025, 10, 9), "距学校不足200米违规经营", "rectifying", None),   # overdue 22 d
        ("r2", None, "demo-risk-secret", D(2025, 10, 3), D(2025, 10, 10), SECRET, "open", None),
        ("r3", None, "no-such-site", D(2025, 10, 4), D(2025, 11, 30), "某项", "open", None),
        ("s1", "demo-school-01", None, D(2025, 10, 5), D(2025, 11, 20), "保安不足", "open", None),
    ], columns=["id", "school_id", "risk_site_id", "issued_on", "deadline", "items", "status",
                "closed_on"]).assign(escalated=False)


def test_places_jurisdiction_and_restriction(layers):
    lay, cafe = layers
    notices = _notices(cafe)
    places = notice_places(notices, schools=lay["schools"], risk_sites=lay["risk_sites"],
                           posts=lay["police_posts"]).set_index(notices["id"])
    stations = lay["police_posts"][lay["police_posts"]["kind"] == "station"]
    pt = lay["risk_sites"].set_index("id").geometry.loc[cafe]
    holder = [str(i) for i, g in zip(stations["id"], stations["jurisdiction"], strict=True)
              if g is not None and g.covers(pt)]
    assert places.loc["r1", "place_kind"] == "risk_site" and places.loc["r1", "place_name"].startswith("网吧")
    assert places.loc["r1", "jurisdiction_id"] == (holder[0] if holder else places.loc["r1", "jurisdiction_id"])
    assert places.loc["r1", "jurisdiction_id"] is not None and not places.loc["r1", "restricted"]
    assert places.loc["r2", "restricted"] and places.loc["r2", "place_name"] == RESTRICTED_PLACE_ZH
    assert pd.isna(places.loc["r2", "lon"]) and places.loc["r2", "jurisdiction_id"] is not None   # counted, not shown
    assert places.loc["r3", "restricted"] and pd.isna(places.loc["r3", "jurisdiction_id"])
    assert places.loc["s1", "place_kind"] == "school" and places.loc["s1", "jurisdiction_id"] == "demo-post-01"


def test_map_layer_marks_public_sites_overdue_ones_red(layers):
    lay, cafe = layers
    states = notice_states(_notices(cafe), as_of=TODAY, config=CycleConfig())
    coll = risk_notice_features(lay["risk_sites"], states, lang="zh")
    assert [f["properties"]["risk_site_id"] for f in coll["features"]] == [cafe]    # not the secret one
    props = coll["features"][0]["properties"]
    assert props["status"] == "site_overdue" and props["overdue_notices"] == 1
    assert "逾" in props["_icon"]["html"] and "#c92a2a" in props["_icon"]["html"]
    assert "r1" in props["_popup"] and "距学校不足200米违规经营" in props["_popup"]
    text = str(coll)
    assert SECRET not in text and "demo-risk-secret" not in text
    # closed: the marker goes
    done = states.assign(closed=True)
    assert risk_notice_features(lay["risk_sites"], done)["features"] == []


def test_monthly_figures_count_site_notices_for_their_station(layers):
    lay, cafe = layers
    notices = _notices(cafe)
    cfg = CycleConfig()
    with_sites = monthly_figures(lay, {"notices": notices}, month="2025-10", config=cfg, today=TODAY)
    schools_only = monthly_figures(lay, {"notices": notices[notices["school_id"].notna()]}, month="2025-10",
                                   config=cfg, today=TODAY)
    jid = with_sites.notices.set_index("id").loc["r1", "jurisdiction_id"]
    assert with_sites.row(jid)["notices_overdue"] == schools_only.row(jid)["notices_overdue"] + \
        (1 + (with_sites.notices.set_index("id").loc["r2", "jurisdiction_id"] == jid))
    county = with_sites.row("全县")
    assert county["notices_opened"] == 4 and county["notices_open"] == 4 and county["notices_overdue"] == 2


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_report_lists_site_notices_without_restricted_details(layers, tmp_path):
    lay, cafe = layers
    figures = monthly_figures(lay, {"notices": _notices(cafe)}, month="2025-10", config=CycleConfig(), today=TODAY)
    jid = figures.notices.set_index("id").loc["r1", "jurisdiction_id"]
    inputs = ReportInputs(schools=lay["schools"], roads=None, area_name="测试县")
    text = ""
    for j in (jid, "全县"):
        path = write_monthly_pdf(figures, j, tmp_path / f"{j}.pdf", inputs=inputs)
        text += subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                               check=True).stdout
    flat = text.replace(" ", "")
    assert "〔风险点位〕网吧" in flat and "距学校不足200米违规经营" in flat
    assert "【挂牌督办】逾期22天" in flat or "【已逾期】逾期22天" in flat
    assert "其中发往风险点位" in flat
    assert "受限点位" in flat and "（受限，不显示）" in flat
    assert SECRET not in flat and "城西巷" not in flat


def test_station_totals_include_their_site_notices(layers):
    from gis.cycle import jurisdiction_cycle, school_cycle

    lay, cafe = layers
    notices = _notices(cafe)
    cfg = CycleConfig()
    states = notice_states(notices, as_of=TODAY, config=cfg)
    states = states.join(notice_places(states, schools=lay["schools"], risk_sites=lay["risk_sites"],
                                       posts=lay["police_posts"]))
    table = school_cycle(lay["schools"], {"notices": notices}, as_of=TODAY, config=cfg)
    plain = jurisdiction_cycle(table, {}, as_of=TODAY, config=cfg).set_index("jurisdiction_id")
    per = jurisdiction_cycle(table, {}, as_of=TODAY, config=cfg, site_notices=states).set_index("jurisdiction_id")
    jid = states.set_index("id").loc["r1", "jurisdiction_id"]
    extra = states[(states["place_kind"] == "risk_site") & (states["jurisdiction_id"] == jid)]
    assert per.loc[jid, "notices_open"] == plain.loc[jid, "notices_open"] + len(extra)
    assert per.loc[jid, "notices_overdue"] == plain.loc[jid, "notices_overdue"] + int(extra["overdue"].sum())
    assert per.loc["全县", "notices_open"] == plain.loc["全县", "notices_open"] + 3      # r1, r2, r3


def test_issue_notice_to_a_site_checks_the_site(sqlite_store):
    import geopandas as gpd

    from gis.cycle.edits import issue_notice
    from gis.errors import ValidationError

    sites = gpd.GeoDataFrame({"id": ["cafe-1", "secret-1"], "category": ["internet_cafe", "dispute"],
                              "level": [2, 3], "sensitive": [False, True], "note": [None, SECRET]},
                             geometry=[Point(117.2, 28.25), Point(117.21, 28.25)], crs=4326).rename_geometry("point")
    sqlite_store.write_layer("risk_sites", sites, source="test")
    rid = issue_notice(sqlite_store, risk_site_id="cafe-1", items="限期停业整改", deadline=TODAY,
                       issued_on=D(2025, 10, 20), today=TODAY)
    row = sqlite_store.read_layer("notices", ids=[rid]).iloc[0]
    assert row["risk_site_id"] == "cafe-1" and row["school_id"] is None
    with pytest.raises(ValidationError, match="受限") as err:
        issue_notice(sqlite_store, risk_site_id="secret-1", items="x", deadline=TODAY, today=TODAY)
    assert SECRET not in str(err.value)
    with pytest.raises(ValidationError, match="学校或风险点位"):
        issue_notice(sqlite_store, school_id="s1", risk_site_id="cafe-1", items="x", deadline=TODAY, today=TODAY)
    with pytest.raises(ValidationError, match="学校或风险点位"):
        issue_notice(sqlite_store, items="x", deadline=TODAY, today=TODAY)
