"""Chinese first, English on request: ``tr("态势总览", "Overview")``.

Strings sit beside the code that shows them, as a zh/en pair, so pages never share a
key table. The language lives in ``st.session_state["lang"]`` (``zh`` or ``en``),
set by the sidebar switch; the default comes from ``[app] language``.
"""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}


def current_language() -> str:
    return st.session_state.get("lang", "zh")


def tr(zh: str, en: str) -> str:
    """Return the string in the current language."""
    return en if current_language() == "en" else zh


def language_switch() -> None:
    """Sidebar radio that switches the UI language."""
    lang = current_language()
    choice = st.sidebar.radio("语言 / Language", list(LANGUAGES), index=list(LANGUAGES).index(lang),
                              format_func=LANGUAGES.get, horizontal=True, key="lang_switch")
    st.session_state["lang"] = choice
