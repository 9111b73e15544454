"""护校安园态势图 — Streamlit entry: page config, the sign-in gate, navigation, the sidebar.

``streamlit run app.py``. Nobody sees anything but the sign-in form until signed in
(``gis.ui.auth``); pages show according to the account's role (``PAGE_ACTIONS``; a page not
listed needs ``read``). ``?view=wall`` opens the wall display; ``?view=wall&kiosk=TOKEN`` opens
it on a display without an account (``python -m gis user kiosk``).
"""

from __future__ import annotations

import streamlit as st

from gis.ui import auth, cache, shell
from gis.ui.i18n import tr

st.set_page_config(page_title="护校安园态势图", layout="wide", initial_sidebar_state="expanded")
st.session_state.setdefault("lang", cache.get_settings().section("app").get("language", "zh"))
if st.session_state.get("lang_switch") in ("zh", "en"):  # the sidebar switch, before titles are made
    st.session_state["lang"] = st.session_state["lang_switch"]

shell.stop_if_damaged()
state = auth.resolve()
wall_first = st.query_params.get("view") == "wall"
pages = [
    st.Page("pages/overview.py", title=tr("态势总览", "Overview"), default=not wall_first),
    st.Page("pages/gaps.py", title=tr("覆盖缺口", "Coverage gaps")),
    st.Page("pages/patrol.py", title=tr("巡逻路线", "Patrol routes")),
    st.Page("pages/records.py", title=tr("检查整改", "Inspections & notices")),
    st.Page("pages/scenarios.py", title=tr("部署推演", "Scenarios")),
    st.Page("pages/data.py", title=tr("数据管理", "Data")),
    st.Page("pages/register.py", title=tr("高危人员", "High-risk persons")),
    st.Page("pages/audit.py", title=tr("审计", "Audit")),
    st.Page("pages/account.py", title=tr("账号", "Account")),
]
wall = st.Page("pages/wall.py", title=tr("大屏", "Wall display"), default=wall_first)
pages.append(wall)
PAGE_ACTIONS = {"account": None, "audit": "read_audit"}   # every other page: "read"

if state is None:   # signed out: the form, and no page runs
    st.navigation(pages, position="hidden")
    auth.sign_in_form()
    st.stop()
if state.principal.role == "kiosk":
    pages = [wall]
elif state.must_change_password or state.must_enrol_totp:   # nothing else until done
    pages = [p for p in pages if p.url_path == "account"]
else:
    pages = [p for p in pages if auth.page_allowed(state.principal, PAGE_ACTIONS.get(p.url_path, "read"))]
page = st.navigation(pages, position="hidden")
auth.keep_cookie()
if page is not wall:
    shell.sidebar(pages, cache.meta(cache.context()) if auth.page_allowed(state.principal, "read") else {},
                  state=state)
page.run()
