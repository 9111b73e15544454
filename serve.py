"""护校安园态势图 — the app with its HttpOnly session cookie: ``streamlit run serve.py``.

The same app as ``streamlit run app.py`` (``app.py`` is the script), served in Streamlit's
ASGI mode with two routes that set and clear the session cookie server-side, HttpOnly
(``gis.ui.session_route``). ``streamlit run app.py`` still works; its cookie is set by the
page (SameSite=Strict, not HttpOnly).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gis.ui.session_route import routes

app = st.App(Path(__file__).with_name("app.py"), routes=routes())
