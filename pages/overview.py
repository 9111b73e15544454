"""态势总览 / Overview: KPI tiles and the map with toggleable layers."""

from __future__ import annotations

import streamlit as st

from gis.coverage.compliance import rates_display as compliance_display
from gis.ui import cache, shell, views
from gis.ui import cycle as cycle_ui
from gis.ui.i18n import current_language, tr
from gis.viz import tables

shell.inject_css()
lang = current_language()
ctx = cache.context()
st.title(tr("态势总览", "Overview"))
if cache.counts(ctx)["schools"] == 0:
    shell.no_data(cache.meta(ctx))
    st.stop()

peak = shell.peak_control("overview_peak")
table, error = cache.assessment(ctx, peak)
if error:
    st.error(tr("校园评估暂不可用：", "Campus assessment unavailable: ") + error)
shell.kpi_tiles(views.kpis(ctx))
cycle_ui.reminder(ctx)   # issue 14: the monthly report due on the 20th
shell.network_notice(cache.network_report(ctx, lang)[0])

chosen = st.pills(tr("图层", "Layers"), list(views.LAYERS)[::-1], selection_mode="multi",
                  default=list(views.DEFAULT_LAYERS), key="overview_layers",
                  format_func=lambda k: tr(*views.LAYERS[k]))
layers = list(chosen or [])
shell.show_shared_map(lambda: views.overview_map(ctx, lang, layers), key="overview_map", height=640,
                      share=views.map_share(ctx, lang, "overview", tuple(layers)))
st.caption(shell.stamp_text(views.as_of(ctx)) + " · " + tr(
    "点击学校查看评估原因；反应圈沿真实路网计算，虚线圆为同半径的“画圈”对比。",
    "Click a school for its assessment; reach follows the road network, dashed circles are the naive radius."))
cycle_ui.trend_chart(ctx)

if {"reach", "circles"} & set(chosen or []):
    reach = cache.reach(ctx)
    if reach is not None and len(reach):
        with st.expander(tr("路网反应圈与“画圈”对比", "Network reach vs the naive circle"), expanded=True):
            st.dataframe(tables.reach_comparison(reach, cache.layers(ctx)["police_posts"], lang=lang), hide_index=True,
                         width="stretch", column_config={tr("圆内实际可达", "Circle reached"):
                                                         st.column_config.NumberColumn(format="%d%%")})

rates = cache.compliance(ctx, peak)
if rates is not None:
    st.subheader(tr("达标率（按派出所、区域类型，对照目标）", "Compliance rates by jurisdiction and area type"))
    st.dataframe(compliance_display(rates, lang=lang), hide_index=True, width="stretch")
    st.caption(tr("技防达标：入侵报警、校门视频、一键报警、电子巡查齐全；见警察仅计民警、辅警；未填报不计为达标。"
                  "目标：城区 ≥ 80%，集镇 100%，农村逐步提高（见 [compliance]）。",
                  "Technical defence: intrusion alarm, gate video, one-click alarm, electronic patrol; police "
                  "presence counts police and auxiliary only; blanks do not count as compliant. Targets in "
                  "[compliance]."))
