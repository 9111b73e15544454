"""The overview and gaps pages: the peak control, the compliance table, the blind-spot layer, and a
bad settings key shown with st.error (streamlit AppTest on a copy of the guixi demo)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import copy_demo_db
from signin import app_sign_in

from gis.config import load_settings
from gis.timewindows import PeakWindows

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def demo_url(demo_store, tmp_path_factory):
    return copy_demo_db(demo_store, tmp_path_factory.mktemp("apppeak") / "app.db")


@pytest.fixture
def app(demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("GIS_CONFIG", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    app_sign_in(at, demo_url)
    return at


def test_default_peak_is_the_clocks_else_am():
    windows = PeakWindows.from_settings(load_settings())
    assert windows.default_scored_peak(datetime(2026, 3, 2, 16, 40)) == "pm"
    assert windows.default_scored_peak(datetime(2026, 3, 2, 7, 30)) == "am"
    assert windows.default_scored_peak(datetime(2026, 3, 2, 12, 0)) == "am"    # noon: not scored
    assert windows.default_scored_peak(datetime(2026, 3, 2, 22, 0)) == "am"


def test_overview_peak_control_and_compliance_table(app):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    control = app.button_group(key="overview_peak")
    expected = PeakWindows.from_settings(load_settings()).default_scored_peak(datetime.now())
    assert control.value == expected
    rates = app.dataframe[-1].value
    assert "技防达标率" in rates.columns and "早高峰见警察率" in rates.columns
    county = rates[rates["派出所"] == "合计 / total"]
    assert set(county["区域"]) >= {"合计"}
    assert county["技防达标率"].str.contains("%").all()
    assert any("目标 80%" in v for v in rates["视频联网率"])
    other = "pm" if expected == "am" else "am"
    control.set_value(other).run()
    assert not app.exception
    assert app.session_state["assessment_peak"] == other
    # The gaps page follows the same choice.
    app.switch_page("pages/gaps.py")
    app.run()
    assert not app.exception
    assert app.button_group(key="gaps_peak").value == other


def test_blind_spots_are_a_map_layer(app):
    from gis.ui import views

    assert "blind" in views.LAYERS
    app.run()
    app.button_group(key="overview_layers").set_value(["schools", "blind"]).run()
    assert not app.exception


def test_unknown_settings_key_is_shown_with_st_error(app, tmp_path, monkeypatch):
    toml = tmp_path / "bad.toml"
    toml.write_text("[scoring]\nmandatroy = [\"guards\"]\n", encoding="utf-8")
    monkeypatch.setenv("GIS_CONFIG", str(toml))
    app.run()
    assert not app.exception
    errors = [str(e.value) for e in app.error]
    assert any("[scoring]" in e and "mandatroy" in e for e in errors), errors


def test_gaps_table_names_the_breached_rules_and_police_presence():
    import pandas as pd

    from gis.viz.tables import ranked_schools

    a = pd.DataFrame({"school_id": ["A", "B"], "name": ["甲", "乙"], "kind": ["primary", "junior"],
                      "jurisdiction_id": ["P1", "P1"], "score": [80.0, 60.0], "level": ["weak", "weak"],
                      "response_s": [100.0, 200.0], "mandatory_breaches": ["guards;police_at_gate", ""],
                      "police_am": [False, True], "police_pm": [False, True], "reasons_zh": ["x", "y"], "reasons_en": ["x", "y"],
                      "gate_camera_share": [0.5, 1.0], "posts_within_5min": [1, 2]})
    zh = ranked_schools(a).set_index("school_id")
    assert zh.loc["A", "违反必须项"] == "专职保安员配备、高峰时段校门“见警察”"
    assert zh.loc["B", "违反必须项"] == "" and zh.loc["B", "见警察（早/晚）"] == "是/是"
    assert zh.loc["A", "见警察（早/晚）"] == "否/否"
    en = ranked_schools(a, lang="en").set_index("school_id")
    assert en.loc["A", "Mandatory breaches"] == "full-time guards, police at the gate in the peaks"
