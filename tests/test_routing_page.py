"""The 巡逻路线 page end to end (Streamlit AppTest on the demo store) and its map layers."""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, MultiPoint, Point
from signin import app_sign_in

from gis.routing.plan import plan_patrols
from gis.viz.routes import route_feature_groups, unit_collection, unserved_collection

PAGE = Path(__file__).resolve().parents[1] / "pages" / "patrol.py"


class Straight:
    def matrix(self, points):
        xy = points.geometry.to_crs("EPSG:32650")
        x, y = xy.x.to_numpy(), xy.y.to_numpy()
        import numpy as np

        return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) / 5.0

    def path(self, a, b):
        return LineString([a, b]), 0.0


def test_map_layers_escape_names_and_colour_each_unit():
    schools = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["<script>alert(1)</script>小学", "城北&中学"], "kind": ["primary"] * 2},
        geometry=[MultiPoint([(117.20, 28.25)]), MultiPoint([(117.30, 28.25)])], crs="EPSG:4326")
    posts = gpd.GeoDataFrame({"id": ["p"], "name": ["甲所"], "kind": ["station"], "vehicles": [2]},
                             geometry=[Point(117.201, 28.249)], crs="EPSG:4326")
    plan = plan_patrols({"schools": schools, "police_posts": posts}, travel=Straight(), window="am",
                        units=2, time_limit=1, bell_windows={"b": "07:00-07:01"})
    served = unit_collection(plan, 0 if plan.solution.routes[0].visits else 1, lang="zh")
    tips = [f["properties"].get("_tooltip", "") + f["properties"].get("_popup", "")
            for f in served["features"]]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;小学" in t for t in tips)
    assert not any("<script>" in t for t in tips)
    (missed,) = unserved_collection(plan, lang="zh")["features"]
    assert "城北&amp;中学" in missed["properties"]["_tooltip"]
    assert "从任何警务点出发均无法在 07:01 前到达" in missed["properties"]["_tooltip"]
    groups = route_feature_groups(plan, lang="zh")
    m = folium.Map(tiles=None)
    for g in groups:
        g.add_to(m)
    page = m.get_root().render()
    assert "<script>alert(1)" not in page
    assert len(groups) == 2  # the unit with stops + the unserved group


@pytest.mark.slow
def test_page_plans_and_offers_the_sheets(demo_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", demo_store.url)
    at = AppTest.from_file(str(PAGE), default_timeout=180)
    app_sign_in(at, demo_store.url)
    at.run()
    assert not at.exception
    at.number_input[0].set_value(3)  # units
    at.number_input[2].set_value(2)  # time limit (s)
    at.button[0].click()
    at.run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    served, total = map(int, metrics["已安排点位"].split("/"))
    assert metrics["巡逻时段"] == "07:00-08:10" and 0 < served <= total
    schedule = at.dataframe[0].value
    assert len(schedule) == served and set(schedule["单位"]) <= {"巡逻1组", "巡逻2组", "巡逻3组"}
    assert (schedule["预计到达"] >= "07:00").all() and (schedule["预计到达"] <= "08:10").all()
