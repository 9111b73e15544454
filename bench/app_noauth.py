"""The app as it was before the sign-in gate, for bench/bench_auth.py only (never served).

Same page config, navigation and sidebar as ``app.py``, but the visitor is taken as a planner
without any database session: no token lookup, no cookie, no sign-in form.
"""

from __future__ import annotations

import streamlit as st

from gis.auth.accounts import SessionState
from gis.auth.principal import Principal
from gis.ui import auth, cache, shell
from gis.ui.i18n import tr

st.set_page_config(page_title="护校安园态势图", layout="wide", initial_sidebar_state="expanded")
st.session_state.setdefault("lang", "zh")
st.session_state[auth.STATE_KEY] = SessionState(Principal("bench", "planner"), False, False, False)
pages = [st.Page("../pages/overview.py", title=tr("态势总览", "Overview"), default=True),
         st.Page("../pages/gaps.py", title=tr("覆盖缺口", "Coverage gaps"))]
page = st.navigation(pages, position="hidden")
shell.sidebar(pages, cache.meta(cache.context()))
page.run()
