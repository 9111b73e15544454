"""The 数据管理 page renders on the demo data; map markers escape names and report drags as clicks."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import MultiPoint, Point
from signin import app_sign_in

PAGE = Path(__file__).resolve().parent.parent / "pages" / "data.py"


@pytest.fixture
def page_env(demo_store, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", demo_store.url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield demo_store
    st.cache_resource.clear()
    st.cache_data.clear()


def test_data_page_renders_summary_and_tabs(page_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=120)
    app_sign_in(at, page_env.url)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "导入到图层" in [s.label for s in at.selectbox]          # the import panel is shown first
    summary = at.dataframe[0].value
    counts = dict(zip(summary["图层"], summary["条数"], strict=True))
    assert counts["学校 (schools)"] == len(page_env.read_layer("schools")) > 0
    assert counts["道路 (roads)"] == len(page_env.read_layer("roads")) > 0
    assert any("演示数据" in i.value for i in at.info)          # the demo notice


def test_each_section_renders(page_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=120)
    app_sign_in(at, page_env.url)
    at.run()
    at.button_group[0].set_value("templates").run()
    assert not at.exception
    assert len(at.get("download_button")) == 6
    at.button_group[0].set_value("table").run()
    assert not at.exception and [s.label for s in at.selectbox] == ["编辑图层"]
    at.button_group[0].set_value("map").run()
    assert not at.exception and "要移动的记录（学校为主校门）" in [s.label for s in at.selectbox]


def test_move_map_escapes_names_and_reports_drag():
    from gis.ui.editing import add_move_markers

    frame = gpd.GeoDataFrame({"id": ["S1", "S2"], "name": ["<img src=x onerror=alert(1)>", "乙小学"],
                              "gates": [MultiPoint([Point(117.21, 28.30)]), MultiPoint([Point(117.22, 28.30)])]},
                             geometry="gates", crs="EPSG:4326")
    m = add_move_markers(folium.Map(tiles=None), frame, "schools", 0)
    html_text = m.get_root().render()
    assert "<img src=x onerror" not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text
    assert '"dragend"' in html_text and 'fire("click"' in html_text
    assert "draggable" in html_text


def test_messages_escape_markdown_and_html():
    from gis.ui.editing import plain

    text = plain("“<img src=x onerror=alert(1)>” [点我](javascript:alert(1)) *粗*")
    assert re.search(r"(?<!\\)[<>]", text) is None and "\\<img" in text
    assert "\\[点我\\]\\(javascript:alert\\(1\\)\\)" in text and "\\*粗\\*" in text
