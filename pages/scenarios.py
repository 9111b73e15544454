"""部署推演 / Scenarios: where new posts, cameras and 护学岗 officers help most; before/after; saved scenarios."""

from __future__ import annotations

import streamlit as st

from gis.errors import GisError
from gis.ui import auth, cache, shell
from gis.ui import siting as ui
from gis.ui.i18n import current_language, tr

shell.inject_css()
lang = current_language()
ctx = cache.context()
data = cache.layers(ctx)
st.title(tr("部署推演", "Scenarios"))
if len(data["schools"]) == 0 or len(data["roads"]) == 0:
    shell.no_data(cache.meta(ctx))
    st.stop()
store = cache.get_store(ctx.url)
run_tab, saved_tab, whatif_tab = st.tabs([tr("新方案", "New scenario"), tr("已存方案", "Saved scenarios"),
                                          tr("地图推演", "What-if on the map")], key="scenarios_tab")

with run_tab, st.form("scenario_form"):
    c1, c2, c3, c4, c5 = st.columns([2, 3, 1, 1, 1])
    kind = c1.selectbox(tr("部署内容", "What"), list(ui.KINDS), format_func=lambda k: tr(*ui.KINDS[k]))
    model = c2.selectbox(tr("模型（警务室/岗亭）", "Model (posts)"), list(ui.MODELS),
                         format_func=lambda k: tr(*ui.MODELS[k]))
    add = c3.number_input(tr("数量 K / M", "K / M"), 0, 50, 2)
    minutes = c4.number_input(tr("到达标准（分钟）", "Standard (min)"), 1.0, 15.0, 3.0, 0.5)
    officers = c5.number_input(tr("护学岗警力 N", "Officers N"), 0, 500, 6)
    d1, d2 = st.columns(2)
    peak = d1.radio(tr("高峰", "Peak"), ["am", "pm"], horizontal=True,
                    format_func=lambda p: tr("早高峰", "AM") if p == "am" else tr("晚高峰", "PM"))
    limit = d2.number_input(tr("求解时限（秒）", "Time limit (s)"), 1, 600, 30)
    upload = st.file_uploader(tr("候选点文件（可选，警务室/岗亭；编号/名称/经度/纬度）",
                                 "Possible sites (optional, posts; id/name/lon/lat)"), type=ui.CANDIDATE_TYPES)
    if st.form_submit_button(tr("求解", "Solve"), type="primary"):
        st.session_state["scenario_args"] = (kind, model, int(add), float(minutes), peak, int(officers), float(limit),
                                             (upload.name, upload.getvalue()) if upload else None)

args = st.session_state.get("scenario_args")
with run_tab:
    if not args:
        st.info(tr("选择部署内容和数量后点击「求解」：精确求解（HiGHS），给出前后对比。",
                   "Choose what and how many, then Solve: solved exactly (HiGHS) with a before/after."))
    else:
        try:
            with st.spinner(tr("正在求解并评估前后变化…", "Solving and assessing before/after…")):
                result = ui.run(ctx.key, *args)
        except GisError as exc:
            st.error(str(exc))
            st.stop()
        ui.show(ctx, result, name="scenario", key="run")
        n1, n2 = st.columns([3, 1])
        name = n1.text_input(tr("方案名称", "Scenario name"), key="scenario_name")
        if n2.button(tr("保存方案", "Save"), type="primary", disabled=not auth.allowed_here("write", "scenarios")):
            from gis.store.scenarios import save_scenario

            try:
                save_scenario(store, name=name, kind=args[0], params=result["summary"].get("params", {}),
                              result=result, **auth.acting())
                st.success(tr(f"已保存：{name}", f"Saved: {name}"))
            except GisError as exc:
                st.error(str(exc))

with saved_tab:
    from gis.siting.adopt import adopt_scenario, discard_scenario
    from gis.siting.scenario import compare_scenarios
    from gis.store.scenarios import list_scenarios, load_scenario

    saved = list_scenarios(store, principal=auth.current())
    if saved.empty:
        st.info(tr("还没有保存的方案。", "No saved scenarios yet."))
    else:
        st.dataframe(saved, hide_index=True, width="stretch")
        picked = st.multiselect(tr("选择一个查看，或两个对比", "Pick one to open, two to compare"),
                                saved["name"].tolist(), max_selections=2, key="saved_pick")
        if len(picked) == 2:
            a, b = (load_scenario(store, n, principal=auth.current()) for n in picked)
            st.dataframe(compare_scenarios(a.result, b.result, names=(a.name, b.name), lang=lang),
                         hide_index=True, width="stretch")
        elif len(picked) == 1:
            one = load_scenario(store, picked[0], principal=auth.current())
            ui.show(ctx, one.result, name=one.name, key="saved")
            b1, b2 = st.columns(2)
            off = not auth.allowed_here("write", "scenarios")
            try:
                if b1.button(tr("转为规划警务点（虚线显示）", "Turn into planned posts (dashed)"), disabled=off):
                    planned = adopt_scenario(store, one.name, **auth.acting())
                    st.success(tr("已写入规划点位：", "Planned posts: ") + ", ".join(planned))
                if b2.button(tr("放弃此方案", "Discard this scenario"), disabled=off):
                    discard_scenario(store, one.name, **auth.acting())
                    st.rerun()
            except GisError as exc:
                st.error(str(exc))

with whatif_tab:
    ui.whatif(ctx)
