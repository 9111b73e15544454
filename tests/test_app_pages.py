"""Every page of the Streamlit app runs without exceptions on a copy of the guixi demo
(streamlit.testing AppTest), and shows what it should."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_demo_db
from signin import app_sign_in

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ("pages/overview.py", "pages/gaps.py", "pages/patrol.py", "pages/data.py", "pages/wall.py",
         "pages/scenarios.py", "pages/register.py", "pages/account.py")


@pytest.fixture(scope="module")
def demo_url(demo_store, tmp_path_factory):
    """A temporary copy of the demo database (the session's demo store stays untouched)."""
    return copy_demo_db(demo_store, tmp_path_factory.mktemp("apptest") / "app.db")


@pytest.fixture
def app(demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(at, demo_url)
    return at


def html_of(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo(app, page):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def test_overview_kpis_match_the_demo(app, demo_store):
    app.run()
    assert [t.value for t in app.title] == ["态势总览"]
    page = html_of(app)
    n_schools = len(demo_store.read_layer("schools"))
    assert f'<div class="hx-kpi-value">{n_schools}</div>' in page
    for label in ("3分钟内可达", "薄弱校园", "护学岗在岗"):
        assert label in page
    assert "未评估" not in page  # the assessment ran
    # the sidebar: page links, the language switch, the demo notice
    assert any("演示数据" in str(i.value) for i in app.sidebar.info)


def test_layer_toggles_do_not_recompute_the_assessment(app, monkeypatch):
    import gis.coverage

    app.run()
    calls = []
    real = gis.coverage.assess_campuses
    monkeypatch.setattr(gis.coverage, "assess_campuses", lambda *a, **k: calls.append(1) or real(*a, **k))
    app.button_group(key="overview_layers").set_value(["schools", "cameras", "reach", "circles"]).run()
    assert not app.exception
    comparison = app.dataframe[0].value  # network reach beside the naive circle, per post and band
    assert len(comparison) > 0 and comparison["圆内实际可达"].between(0, 100).all()
    app.button_group(key="overview_layers").set_value(["posts"]).run()
    assert not app.exception
    assert calls == []


def test_english(app):
    app.session_state["lang"] = "en"
    app.run()
    assert [t.value for t in app.title] == ["Overview"]
    assert "Weak campuses" in html_of(app) and "薄弱校园" not in html_of(app)


def test_gaps_table_is_ranked_weakest_first(app, demo_store):
    app.run()
    app.switch_page("pages/gaps.py")
    app.run()
    table = app.dataframe[0].value
    assert len(table) == len(demo_store.read_layer("schools"))
    scores = list(table["得分"])
    assert scores == sorted(scores)
    app.multiselect[1].set_value(["good"]).run()  # level filter
    assert set(app.dataframe[0].value["等级"]) <= {"良好"}
    assert len(app.get("download_button")) == 2


def test_wall_view_has_no_sidebar_and_large_tiles(app):
    app.query_params["view"] = "wall"
    app.run()
    assert not app.exception
    assert not app.sidebar.children  # no navigation, no switch: nothing personal, nothing to click
    page = html_of(app)
    assert "hx-wall-title" in page and "数据更新时间" in page
    assert len(re.findall(r'class="hx-kpi( hx-(ok|warn|bad))?"', page)) == 5   # issue 14: + notices
    assert "stSidebar" in page  # the wall CSS hides the sidebar and the header


@pytest.mark.postgis
def test_overview_and_gaps_on_postgis(postgis_url, postgis_store, monkeypatch):
    """The same pages on the multi-user store (PostGIS)."""
    from streamlit.testing.v1 import AppTest

    from gis.demo import load_demo

    load_demo(postgis_store, area="guixi")
    n_schools = len(postgis_store.read_layer("schools"))
    monkeypatch.setenv("DATABASE_URL", postgis_url)
    at = AppTest.from_file(APP, default_timeout=120)
    app_sign_in(at, postgis_url)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f'<div class="hx-kpi-value">{n_schools}</div>' in html_of(at)
    at.switch_page("pages/gaps.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe[0].value) == n_schools
