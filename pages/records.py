"""检查整改 / Inspections & notices: the campaign's monthly cycle on the map.

Schools by cycle status (all done / due soon / missing / overdue notice), per-school and
per-派出所 tables, add an inspection (failed items become a notice), close a notice with its
review date, drills measured vs computed, and the monthly report for download.
"""

from __future__ import annotations

import streamlit as st

from gis.ui import cache, shell, views
from gis.ui import cycle as cy
from gis.ui.i18n import current_language, tr

shell.inject_css()
lang = current_language()
ctx = cache.context()

st.title(tr("检查整改", "Inspections & notices"))
if cache.layers(ctx)["schools"] is None or len(cache.layers(ctx)["schools"]) == 0:
    shell.no_data(cache.meta(ctx))
    st.stop()
cy.flash()
cy.reminder(ctx)
data = cy.cycle(ctx)
per = data["per"]
names = dict(zip(per["jurisdiction_id"], per["jurisdiction_name"], strict=True))
stations = [j for j in names if j != "全县"]
chosen = st.multiselect(tr("派出所辖区", "Jurisdiction"), stations, format_func=lambda j: str(names.get(j) or j))

m, groups = views.overview_map(ctx, lang, ["posts", "cycle"], legend_open=False)
shell.show_map(m, key="records_map", height=480, groups=groups)
st.caption(tr("✓ 均已完成　! 即将到期　缺 检查缺项　逾 整改逾期（蓝圈：有未销号通知书）。点击学校查看最近检查与未销号通知书，"
              "弹窗中的“新增检查”一键打开本页的新增检查（已选好该校）。",
              "✓ all done · ! due soon · 缺 missing · 逾 overdue notice (blue ring: open notices). Click a school; "
              "its popup's add-inspection link opens the form here with the school chosen."))

shown = per if not chosen else per[per["jurisdiction_id"].isin([*chosen, "全县"])]
st.dataframe(shown.drop(columns=["jurisdiction_id"]).rename(columns={
    "jurisdiction_name": tr("派出所", "Station"), "schools": tr("学校", "Schools"),
    "inspections_required": tr("应检查", "Required"), "inspections_done": tr("已检查", "Done"),
    "inspections_owed": tr("尚欠", "Owed"), "schools_behind": tr("进度落后学校", "Behind"),
    "schools_due_soon": tr("即将到期", "Due soon"), "schools_ok": tr("均已完成", "All done"),
    "notices_open": tr("未销号", "Open"), "notices_overdue": tr("逾期", "Overdue"),
    "notices_escalated": tr("挂牌督办", "Escalated"), "visits_short": tr("到校不足", "Visits short"),
    "joint_month_done": tr("本月联合督导", "Joint this month"), "joint_month_required": tr("应联合督导", "Joint due"),
}), hide_index=True, width="stretch")

labels = [tr("学校检查情况", "Schools"), tr("整改通知书", "Notices"), tr("新增检查", "Add inspection"),
          tr("演练", "Drills"), tr("月报", "Monthly report")]
# a school's popup links here with ?school=ID: open the add form with that school chosen
tabs = st.tabs(labels, default=labels[2] if cy.wanted_school(ctx) else None)
with tabs[0]:
    st.dataframe(cy.status_table(ctx, chosen).drop(columns="school_id"), hide_index=True, width="stretch")
with tabs[1]:
    cy.notices_section(ctx, chosen)
    cy.site_notice_form(ctx)
with tabs[2]:
    cy.add_inspection_form(ctx)
    cy.failed_item_buttons(ctx)
with tabs[3]:
    cy.drills_section(ctx)
with tabs[4]:
    cy.report_section(ctx)
