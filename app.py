"""护校安园态势图 — Streamlit entry: page config, navigation, the shared sidebar.

``streamlit run app.py``. ``?view=wall`` on the main URL opens the wall display (大屏).
"""

from __future__ import annotations

import streamlit as st

from gis.ui import cache, shell
from gis.ui.i18n import tr

st.set_page_config(page_title="护校安园态势图", layout="wide", initial_sidebar_state="expanded")
st.session_state.setdefault("lang", cache.get_settings().section("app").get("language", "zh"))
if st.session_state.get("lang_switch") in ("zh", "en"):  # the sidebar switch, before titles are made
    st.session_state["lang"] = st.session_state["lang_switch"]

wall_first = st.query_params.get("view") == "wall"
pages = [
    st.Page("pages/overview.py", title=tr("态势总览", "Overview"), default=not wall_first),
    st.Page("pages/gaps.py", title=tr("覆盖缺口", "Coverage gaps")),
    st.Page("pages/patrol.py", title=tr("巡逻路线", "Patrol routes")),
    st.Page("pages/records.py", title=tr("检查整改", "Inspections & notices")),
    st.Page("pages/scenarios.py", title=tr("部署推演", "Scenarios")),
    st.Page("pages/data.py", title=tr("数据管理", "Data")),
]
wall = st.Page("pages/wall.py", title=tr("大屏", "Wall display"), default=wall_first)
pages.append(wall)
page = st.navigation(pages, position="hidden")
shell.stop_if_damaged()
if page is not wall:
    shell.sidebar(pages, cache.meta(cache.context()))
page.run()
