"""覆盖缺口 / Coverage gaps: ranked schools with filters; a selected row focuses the map."""

from __future__ import annotations

import streamlit as st

from gis.ui import auth, cache, shell, views
from gis.ui import cycle as cycle_ui
from gis.ui.i18n import current_language, tr
from gis.viz import maps, tables
from gis.viz.popups import enum_label, level_label

shell.inject_css()
lang = current_language()
ctx = cache.context()

st.title(tr("覆盖缺口", "Coverage gaps"))
peak = shell.peak_control("gaps_peak")
table, error = cache.assessment(ctx, peak)
if table is None:
    if error:
        st.error(tr("校园评估暂不可用：", "Campus assessment unavailable: ") + error)
    else:
        shell.no_data(cache.meta(ctx))
    st.stop()
shell.network_notice(cache.network_report(ctx, lang)[0])

names = dict(zip(table["jurisdiction_id"].astype(str), table.get("jurisdiction_name", table["jurisdiction_id"]),
                 strict=False))
c1, c2, c3 = st.columns(3)
juris = c1.multiselect(tr("派出所辖区", "Jurisdiction"), sorted(names), format_func=lambda j: str(names.get(j) or j))
levels = c2.multiselect(tr("等级", "Level"), ["critical", "weak", "good"], format_func=lambda v: level_label(v, lang))
kinds = c3.multiselect(tr("学校类型", "Kind"), sorted(table["kind"].dropna().astype(str).unique()),
                       format_func=lambda v: enum_label(v, lang))
ranked = tables.ranked_schools(table, lang=lang, jurisdictions=juris, levels=levels, kinds=kinds)

event = st.dataframe(ranked.drop(columns="school_id"), hide_index=True, width="stretch",
                     on_select="rerun", selection_mode="single-row", key="gaps_table")
d1, d2, _ = st.columns([1, 1, 4])
export = ranked.drop(columns="school_id")
if auth.allowed_here("export"):   # downloads are audited
    d1.download_button(tr("下载 Excel", "Download Excel"), tables.to_xlsx_bytes(export, sheet=tr("覆盖缺口", "gaps")),
                       file_name="coverage_gaps.xlsx", on_click=auth.audit_export, args=("gaps", "coverage_gaps.xlsx"),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    d2.download_button(tr("下载 CSV", "Download CSV"), tables.to_csv_bytes(export), file_name="coverage_gaps.csv",
                       mime="text/csv", on_click=auth.audit_export, args=("gaps", "coverage_gaps.csv"))

rows = event.selection.rows if event is not None else []
school_id = ranked["school_id"].iloc[rows[0]] if rows and len(ranked) else None
m, groups = views.overview_map(ctx, lang, ["posts", "schools"], refit=school_id is None, legend_open=False)
target = None
if school_id is not None:
    focus = cache.load_focus(*ctx.key, school_id, lang)
    groups.append(maps.feature_group("focus", [focus["zones"], focus["blind"], focus["routes"]]))
    target = views.focus_target(ctx, school_id)
    st.subheader(str(ranked[tr("学校", "School")].iloc[rows[0]]))
    if len(focus["route_table"]):
        st.caption(tr("最近警务点路网到达：", "Nearest posts by road: ") + "；".join(
            f"{r.post_name} {r.seconds / 60:.1f} " + tr("分钟", "min") for r in focus["route_table"].itertuples()))
else:
    st.caption(tr("在表中选择一所学校，地图将定位到该校，显示校门区域、监控盲区和最近警务点的路线。",
                  "Select a school in the table to focus the map on its gate zone, blind spots and routes."))
shell.show_map(m, key="gaps_map", height=560, groups=groups,
               center=target["center"] if target else None, zoom=target["zoom"] if target else None)
if school_id is not None:   # issue 14: an assessment reason becomes a rectification notice in one click
    cycle_ui.notice_buttons(ctx, school_id, cycle_ui.school_reasons(ctx, school_id), key="gaps_notice")
