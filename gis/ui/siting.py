"""Streamlit pieces of the 部署推演 (Scenarios) page: run, before/after tiles, map, exports, what-if.

Everything computes in ``gis.siting`` / ``gis.reports.scenario``; runs are cached by the data
version and the parameters, so a rerun of the page never solves twice.
"""

from __future__ import annotations

import datetime as dt
import html
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from gis.errors import GisError
from gis.ui import cache, shell, views
from gis.ui.i18n import current_language, tr
from gis.viz import maps
from gis.viz.siting import proposal_features, reach_features_of, schools_after

KINDS = {"kiosk": ("治安岗亭", "Kiosks"), "office": ("警务室", "Police offices"), "camera": ("视频监控", "Cameras"),
         "crossing": ("护学岗警力", "Gate officers")}
MODELS = {"mclp": ("最大覆盖（新增 K 处）", "Maximal covering (add K)"),
          "setcover": ("最少点位覆盖全部学校", "Fewest sites reaching all"),
          "relocate": ("迁移现有岗亭（M 处）", "Move existing kiosks (M)")}
LEVEL = {"good": ("良好", "good"), "weak": ("薄弱", "weak"), "critical": ("严重薄弱", "critical")}


CANDIDATE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json", "gpkg", "kml", "kmz", "zip"]


def candidate_file(name: str, data: bytes, graph) -> Any:
    """A planner's uploaded file of possible sites, read by the CLI's importer
    (``gis.siting.candidates.file_candidates``): valid rows kept, the others listed with reasons."""
    from gis.siting.candidates import file_candidates
    from gis.siting.config import SitingConfig

    safe = Path(name).name or "candidates.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        return file_candidates(path, graph, max_snap_m=SitingConfig.from_settings(cache.get_settings()).max_snap_m)


@st.cache_data(show_spinner=False, max_entries=8)
def run(key: tuple, kind: str, model: str, add: int, minutes: float, peak: str, officers: int,
        limit: float, candidates: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """Solve one scenario on the stored data (cached by data version, parameters and the
    candidate file's name and bytes)."""
    from gis.siting import scenario as sc

    ctx = cache.Context(*key)
    layers, settings = cache.layers(ctx), cache.get_settings()
    graph = cache.road_graph(*key)
    if kind in ("office", "kiosk"):
        cands = candidate_file(*candidates, graph) if candidates else None
        return sc.run_post_scenario(layers, graph=graph, settings=settings, kind=kind, model=model, add=add,
                                    minutes=minutes, peak=peak, time_limit=limit, candidates=cands)[1]
    if kind == "camera":
        return sc.run_camera_scenario(layers, graph=graph, settings=settings, add=add, peak=peak, time_limit=limit)[1]
    return sc.run_crossing_scenario(layers, graph=graph, settings=settings, officers=officers, peak=peak,
                                    time_limit=limit)[1]


def _tiles(figures: dict[str, Any], other: dict[str, Any] | None, label: str, cls: str) -> str:
    minutes = figures.get("minutes", "")
    share = figures.get("share_within")
    rows = [(tr(f"{minutes:g} 分钟可达", f"Within {minutes:g} min"), "—" if share is None else f"{100 * share:.0f}%",
             f"{figures.get('within', 0)}/{figures.get('schools', 0)}"),
            (tr("薄弱校园", "Weak"), str(figures.get("weak", 0) + figures.get("critical", 0)),
             tr(f"其中严重薄弱 {figures.get('critical', 0)}", f"{figures.get('critical', 0)} critical")),
            (tr("平均得分", "Mean score"), str(figures.get("mean_score", "—")), "")]
    if figures.get("police_both") is not None:
        rows.append((tr("两峰见警察", "Police both peaks"), str(figures["police_both"]), ""))
    tiles = "".join(shell.tile(a, b, c) for a, b, c in rows)
    return (f'<div class="hx-scenario-{cls}"><div class="hx-kpi-label">{html.escape(label)}</div>'
            f'<div class="hx-kpis">{tiles}</div></div>')


def before_after(result: dict[str, Any]) -> None:
    """KPI tiles side by side: now and with the scenario."""
    kpis = result.get("kpis") or {}
    left, right = st.columns(2)
    left.markdown(_tiles(kpis.get("before") or {}, None, tr("现状", "Now"), "before"), unsafe_allow_html=True)
    right.markdown(_tiles(kpis.get("after") or {}, None, tr("方案实施后", "With the scenario"), "after"),
                   unsafe_allow_html=True)
    s = result.get("summary") or {}
    if not s:
        return
    status = {"optimal": tr("已证明最优", "proven optimal")}.get(s.get("status"), s.get("status"))
    st.caption(tr(f"求解 {s.get('solver')}：{status}，最优性差距 {100 * float(s.get('gap') or 0):.2f}%，用时 "
                  f"{s.get('seconds')} 秒；候选点 {s.get('candidates', '—')} 个",
                  f"Solver {s.get('solver')}: {status}, gap {100 * float(s.get('gap') or 0):.2f}%, "
                  f"{s.get('seconds')} s; {s.get('candidates', '—')} candidates"))


def changes_table(result: dict[str, Any]) -> pd.DataFrame:
    lang = current_language()
    frame = pd.DataFrame(result.get("changes") or [])
    if frame.empty:
        return frame
    pick = 0 if lang == "zh" else 1
    out = pd.DataFrame({tr("学校", "School"): frame["name"],
                        tr("原等级", "Before"): frame["level_before"].map(lambda v: LEVEL.get(v, (v, v))[pick]),
                        tr("新等级", "After"): frame["level_after"].map(lambda v: LEVEL.get(v, (v, v))[pick]),
                        tr("原得分", "Score before"): frame["score_before"].round(1),
                        tr("新得分", "Score after"): frame["score_after"].round(1)})
    return out


def rejected_table(result: dict[str, Any]) -> pd.DataFrame:
    """The candidate file's rejected rows: the row the planner sees, the id and the reason."""
    frame = pd.DataFrame(result.get("rejected") or [])
    if frame.empty:
        return frame
    reason = "reason_zh" if current_language() == "zh" else "reason_en"
    return pd.DataFrame({tr("行号", "Row"): frame["row"], tr("编号", "Id"): frame["id"],
                         tr("原因", "Reason"): frame[reason]})


def scenario_map(ctx: cache.Context, result: dict[str, Any], *, key: str, clicks: bool = False, posts=None):
    """The map with proposed sites, their reach and schools by level after; returns the click."""
    from gis.viz.features import post_features

    lang = current_language()
    m = views.base_map(ctx, lang, legend=False)
    data = cache.layers(ctx)
    post_layer = post_features(posts, lang=lang) if posts is not None else \
        cache.collections(ctx, lang, with_reach=False)["posts"]
    groups = [maps.feature_group("reach_new", [reach_features_of(result)]),
              maps.feature_group("posts", [post_layer]),
              maps.feature_group("schools", [schools_after(data["schools"], result, lang=lang)]),
              maps.feature_group("proposals", [proposal_features(result, lang=lang)])]
    out = st_folium(m, key=key, height=520, use_container_width=True,
                    returned_objects=["last_clicked"] if clicks else [], feature_group_to_add=groups)
    return (out or {}).get("last_clicked")


@st.cache_data(show_spinner=False, max_entries=8)
def export_blobs(key: tuple, result_json: str, name: str) -> dict[str, bytes]:
    """The scenario's files as bytes (cached: the PDF is drawn once per scenario, not per rerun)."""
    import json

    from gis.reports.scenario import write_scenario_files

    ctx = cache.Context(*key)
    data = cache.layers(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_scenario_files(json.loads(result_json), tmp, name=name, roads=data["roads"],
                                     schools=data["schools"], posts=data["police_posts"],
                                     area_name=cache.meta(ctx).get("area_name_zh") or "",
                                     generated_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        return {k: Path(p).read_bytes() for k, p in files.items()}


def exports(ctx: cache.Context, result: dict[str, Any], name: str) -> None:
    """Download buttons: the one-page PDF, XLSX, GeoJSON, summary.json."""
    import json

    blobs = export_blobs(ctx.key, json.dumps(result, ensure_ascii=False, sort_keys=True), name)
    mime = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "geojson": "application/geo+json", "pdf": "application/pdf", "summary": "application/json"}
    names = {"xlsx": "scenario.xlsx", "geojson": "proposals.geojson", "pdf": "scenario.pdf", "summary": "summary.json"}
    for col, k in zip(st.columns(4), ("pdf", "xlsx", "geojson", "summary"), strict=True):
        col.download_button(names[k], blobs[k], file_name=names[k], mime=mime[k], key=f"dl_{name}_{k}")


def show(ctx: cache.Context, result: dict[str, Any], *, name: str, key: str) -> None:
    """Everything about one scenario result."""
    before_after(result)
    scenario_map(ctx, result, key=f"map_{key}")
    table = changes_table(result)
    st.subheader(tr(f"等级变化的学校（{len(table)}）", f"Schools changing level ({len(table)})"))
    if len(table):
        st.dataframe(table, hide_index=True, width="stretch")
    if result.get("uncoverable"):
        st.subheader(tr("无法覆盖的学校及原因", "Schools out of reach and why"))
        st.dataframe(pd.DataFrame(result["uncoverable"]), hide_index=True, width="stretch")
    rejected = rejected_table(result)
    if len(rejected):
        st.subheader(tr(f"候选点文件中未采用的行（{len(rejected)}）", f"Candidate rows not used ({len(rejected)})"))
        if len(rejected) <= 40:   # the reasons read in full in a plain table
            st.table(rejected.set_index(rejected.columns[0]))
        else:
            st.dataframe(rejected, hide_index=True, width="stretch")
    exports(ctx, result, name)


def whatif_map(ctx: cache.Context, session) -> dict[str, Any]:
    """The what-if map: schools by their current level, posts as draggable badges (a drop
    comes back as ``last_active_drawing``), a click as ``last_clicked``."""
    from gis.viz.features import school_features
    from gis.viz.siting import DraggablePosts

    lang = current_language()
    m = views.base_map(ctx, lang, legend=False)
    data = cache.layers(ctx)
    schools = maps.feature_group("schools", [school_features(data["schools"], session.current.reset_index(drop=True),
                                                             lang=lang, with_popup=False)])
    posts = maps.feature_group("posts", [], cluster=False)
    DraggablePosts(session.posts, lang=lang, highlight=session.touched(),
                   revision=st.session_state.get("whatif_rev", 0)).add_to(posts)
    # both always: the component reads ``returned_objects`` once, when its map is first made
    return st_folium(m, key="map_whatif", height=520, use_container_width=True,
                     returned_objects=["last_active_drawing", "last_clicked"],
                     feature_group_to_add=[schools, posts]) or {}


def whatif_event(out: dict[str, Any], *, add_mode: bool) -> tuple[str, str | None, float, float] | None:
    """The new drop (``move``) or click (``add``) in the map's answer, once each."""
    from gis.viz.siting import dropped_post

    drop = dropped_post(out.get("last_active_drawing"))
    if drop is not None and drop != st.session_state.get("whatif_drop"):
        st.session_state["whatif_drop"] = drop
        return ("move", *drop)
    clicked = out.get("last_clicked")
    if clicked and clicked != st.session_state.get("whatif_last"):
        st.session_state["whatif_last"] = clicked        # seen, so turning "add" on later adds nothing
        if add_mode:
            return ("add", None, float(clicked["lng"]), float(clicked["lat"]))
    return None


@st.fragment
def whatif(ctx: cache.Context) -> None:
    """Drag a post on the map, or click to add a kiosk, and see the county's figures change.

    A fragment: a drop reruns only this tab, not the page's other tabs. The change is applied
    and the figures are sent before the map is rebuilt, so they show as soon as they exist.
    """
    from gis.siting.whatif import WhatIf

    data = cache.layers(ctx)
    state_key = ("whatif", ctx.key)
    if st.session_state.get("whatif_key") != state_key:
        try:
            with st.spinner(tr("准备推演（全县评估一次）…", "Preparing (one county assessment)…")):
                st.session_state["whatif"] = WhatIf.build(data, graph=cache.road_graph(*ctx.key),
                                                          settings=cache.get_settings())
        except GisError as exc:
            st.error(str(exc))
            return
        st.session_state["whatif_key"] = state_key
        st.session_state.pop("whatif_ms", None)
    session = st.session_state["whatif"]
    c1, c2 = st.columns([3, 1])
    add_mode = c1.toggle(tr("点击地图新增岗亭（拖动警务点可移动它）", "Click the map to add a kiosk (drag a post to move it)"),
                         key="whatif_add")
    if c2.button(tr("重新开始", "Start over"), key="whatif_reset"):
        for k in ("whatif_key", "whatif_ms"):
            st.session_state.pop(k, None)
        st.rerun(scope="fragment")
    # st_folium's on_change has put the map's answer in the session before this run: apply the
    # drop or click first, so the figures and the map below show the new positions and levels.
    event = whatif_event(st.session_state.get("map_whatif") or {}, add_mode=add_mode)
    if event is not None:
        kind, pid, lng, lat = event
        st.session_state["whatif_rev"] = st.session_state.get("whatif_rev", 0) + 1
        try:
            update = session.add(lng, lat) if kind == "add" else session.move(pid, lng, lat)
            st.session_state["whatif_ms"] = (update.seconds * 1000, len(update.rescored))
        except GisError as exc:
            st.session_state["whatif_ms"] = None
            st.error(str(exc))
    before_after({"kpis": {"before": session.base_kpis(), "after": session.kpis()}, "summary": {}})
    took = st.session_state.get("whatif_ms")
    if took:
        n = len(session.log)
        st.caption(tr(f"第 {n} 次变动：更新用时 {took[0]:.0f} 毫秒，重新评估 {took[1]} 所学校",
                      f"Change {n}: the update took {took[0]:.0f} ms, {took[1]} schools re-assessed"))
    else:   # the same line before the first change: the map below does not jump
        st.caption(tr("拖动警务点到新位置，或打开上方开关后点击地图新增岗亭。",
                      "Drag a post to a new place, or switch on adding and click the map."))
    whatif_map(ctx, session)
    table = changes_table({"changes": session.changes().to_dict("records")})
    st.subheader(tr(f"等级变化的学校（{len(table)}）", f"Schools changing level ({len(table)})"))
    if 0 < len(table) <= 40:     # a plain table reads best beside the map; a grid for long lists
        st.table(table.set_index(table.columns[0]).style.format(precision=1))
    elif len(table):
        st.dataframe(table, hide_index=True, width="stretch")
    save_whatif(session)


def save_whatif(session) -> None:
    """Save the session's arrangement as a named scenario (kind ``whatif``), as the signed-in account."""
    from gis.store.scenarios import save_scenario
    from gis.ui import auth

    n1, n2 = st.columns([3, 1])
    name = n1.text_input(tr("推演方案名称", "Name of this arrangement"), key="whatif_name")
    allowed = auth.allowed_here("write", "scenarios") and bool(session.log)
    saved = st.session_state.pop("whatif_saved", None)
    if saved:
        st.success(tr(f"已保存：{saved}（可在「已存方案」中导出或转为规划点位）",
                      f"Saved: {saved} (export it or turn it into planned posts under Saved scenarios)"))
    if n2.button(tr("保存为方案", "Save as a scenario"), key="whatif_save", disabled=not allowed):
        ctx = cache.context()
        try:
            result = session.as_result()
            row = save_scenario(cache.get_store(ctx.url), name=name, kind="whatif",
                                params=result["summary"]["params"], result=result, **auth.acting())
        except GisError as exc:
            st.error(str(exc))
        else:
            st.session_state["whatif_saved"] = row.name
            st.rerun(scope="app")          # the whole page: 已存方案 lists it at once
