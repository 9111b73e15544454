"""大屏 / Wall display: dark, full screen, large type; also ``?view=wall`` on the main URL.

KPI tiles and the map rerun as one fragment every ``[app] wall_refresh_s`` seconds (only
when the data version changed does anything on screen change); the focus rotates over the
派出所 jurisdictions every ``[app] wall_rotate_s`` seconds inside the map, with no rerun.
"""

from __future__ import annotations

import html

import streamlit as st

from gis.ui import cache, shell, views
from gis.ui.i18n import current_language, tr

shell.inject_css(wall=True)
app = cache.get_settings().section("app")
refresh_s = max(2.0, float(app.get("wall_refresh_s", 60)))
rotate_s = max(2.0, float(app.get("wall_rotate_s", 20)))


@st.fragment(run_every=refresh_s)
def wall() -> None:
    lang = current_language()
    ctx = cache.context()
    meta = cache.meta(ctx)
    area = meta.get("area_name_en" if lang == "en" else "area_name_zh") or ""
    title = html.escape(tr("护校安园态势图", "Campus Safety Map") + (f" · {area}" if area else ""))
    stamp = html.escape(shell.stamp_text(views.as_of(ctx)))
    st.markdown(f'<div class="hx-wall-head"><div class="hx-wall-title">{title}</div>'
                f'<div class="hx-wall-stamp">{stamp}</div></div>', unsafe_allow_html=True)
    if cache.counts(ctx)["schools"] == 0:
        shell.no_data(meta)
        return
    _, error = cache.assessment(ctx)
    if error:
        st.error(tr("校园评估暂不可用：", "Campus assessment unavailable: ") + error)
    shell.kpi_tiles(views.kpis(ctx))
    shell.show_shared_map(lambda: (views.wall_map(ctx, lang, rotate_s=rotate_s), []), key="wall_map",
                          height=800, share=views.map_share(ctx, lang, "wall", rotate_s))


wall()
