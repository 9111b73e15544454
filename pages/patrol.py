"""巡逻路线 / Patrol routes: choose the shift, units and stop rules, solve, map, schedule, sheets."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from gis.errors import GisError
from gis.reports import MIME_TYPES, ZIP_NAME
from gis.ui import auth, cache, shell, views
from gis.ui.i18n import current_language, tr
from gis.viz.routes import route_feature_groups

shell.inject_css()
lang = current_language()
ctx = cache.context()
data = cache.layers(ctx)
st.title(tr("巡逻路线", "Patrol routes"))
if len(data["schools"]) == 0:
    shell.no_data(cache.meta(ctx))
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8)
def solve(key: tuple, window: str, units: int, rules: tuple, solver: str, limit: float):
    """Plan and write every sheet; cached by data version and every choice."""
    from gis.reports import write_route_sheets
    from gis.routing.plan import plan_patrols

    assessment, _ = cache.assessment(ctx)
    optional, risks, dwell = rules
    plan = plan_patrols(data, graph=cache.road_graph(*ctx.key), settings=cache.get_settings(),
                        window=window, units=units, solver=solver, time_limit=limit,
                        assessment=assessment, data_version=str(ctx.version),
                        include_optional=optional, include_risk_sites=risks, dwell_min=dwell)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_route_sheets(plan, tmp, roads=data["roads"],
                                   area_name=cache.meta(ctx).get("area_name_zh") or "")
        blobs = {p.name: Path(p).read_bytes() for paths in files.values() for p in paths}
    return plan, blobs


windows = cache.get_settings().section("routing").get("windows", {})
labels = {"am": tr("早高峰", "AM peak"), "noon": tr("午间", "Noon"), "pm": tr("晚高峰", "PM peak")}
with st.form("patrol_form"):
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    named = c1.selectbox(tr("巡逻时段", "Shift"), [*windows, "custom"],
                         format_func=lambda k: f"{labels[k]} {windows[k]}" if k in windows
                         else tr("自定义", "Custom"))
    custom = c1.text_input(tr("自定义时段 HH:MM-HH:MM", "Custom HH:MM-HH:MM"), "07:00-08:10")
    units = c2.number_input(tr("巡逻单位数", "Units"), 1, 50, 4)
    dwell = c3.number_input(tr("每点停留（分钟）", "Dwell (min)"), 1, 60, 10)
    limit = c4.number_input(tr("求解时限（秒）", "Time limit (s)"), 1, 120, 5)
    r1, r2, r3 = st.columns(3)
    optional = r1.checkbox(tr("安排非必到学校", "Optional schools"), True,
                           help=tr("薄弱、严重薄弱校园为必到点", "Weak and critical campuses are mandatory"))
    risks = r2.checkbox(tr("巡查校园周边风险点位", "Risk sites near schools"), True)
    solver = r3.selectbox(tr("求解器", "Solver"), ["pyvrp", "ortools"])
    go = st.form_submit_button(tr("规划路线", "Plan routes"), type="primary",
                               disabled=not auth.allowed_here("plan"))
if go:
    st.session_state["patrol_args"] = (custom if named == "custom" else named, int(units),
                                       (optional, risks, float(dwell)), solver, float(limit))
args = st.session_state.get("patrol_args")
if not args:
    st.info(tr("选择时段和单位数后点击「规划路线」。下图为出发点（警务点）和学校。",
               "Choose a shift and units, then Plan routes. The map shows the posts and schools."))
    m, groups = views.overview_map(ctx, lang, ["posts", "schools"])
    shell.show_map(m, key="patrol_map", height=480, groups=groups)
    st.stop()
try:
    with st.spinner(tr("正在规划路线并生成路线单…", "Planning routes and writing sheets…")):
        plan, blobs = solve(ctx.key, *args)
except GisError as exc:
    st.error(str(exc))
    st.stop()

s = plan.summary()
k1, k2, k3, k4 = st.columns(4)
k1.metric(tr("巡逻时段", "Shift"), s["window"])
k2.metric(tr("已安排点位", "Stops served"), f"{s['stops_served']}/{s['stops_total']}")
k3.metric(tr("必到点", "Mandatory"), f"{s['mandatory_served']}/{s['mandatory_total']}")
k4.metric(tr("总行驶（分钟）", "Driving (min)"), s["total_travel_min"])
m = views.base_map(ctx, lang, legend=False)
shell.show_map(m, key="patrol_map", height=520, groups=route_feature_groups(plan, lang=lang))

st.subheader(tr("排班表", "Schedule"))
schedule, missed = plan.display_frames(lang)
st.dataframe(schedule, hide_index=True, width="stretch")
if len(missed):
    st.subheader(tr("未安排点位及原因", "Unserved stops and why"))
    st.dataframe(missed, hide_index=True, width="stretch")

st.subheader(tr("路线单下载", "Route sheets"))
st.download_button(tr("全部文件（zip）", "All files (zip)"), blobs[ZIP_NAME], file_name=ZIP_NAME,
                   mime="application/zip", type="primary", on_click=auth.audit_export, args=("patrol", ZIP_NAME))
names = sorted(n for n in blobs if n != ZIP_NAME)
for row in range(0, len(names), 6):
    for col, name in zip(st.columns(6), names[row:row + 6], strict=False):
        col.download_button(name, blobs[name], file_name=name, key=f"dl_{name}",
                            mime=MIME_TYPES.get(Path(name).suffix, "application/octet-stream"),
                            on_click=auth.audit_export, args=("patrol", name))
