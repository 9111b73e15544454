"""检查整改 in the app: cached cycle figures, the map layer, the one-click notice, the forms.

Loaders are keyed like the others (database URL, data version, settings fingerprint) plus
today's date, so a new day recomputes what is due and overdue. Writes go through
:mod:`gis.cycle.edits` (versioned, audited) and bump the data version, which refreshes
every page.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from gis.cycle import CycleConfig, jurisdiction_cycle, notice_states, read_records, school_cycle
from gis.cycle.monthly import (
    COUNTY,
    jurisdiction_names,
    monthly_figures,
    report_reminder,
    snapshot_rows,
    trend,
)
from gis.cycle.rules import FAILED_ITEMS, NOTICE_STATE_ZH, STATUS_ZH, notice_places
from gis.errors import GisError
from gis.ui import auth, cache
from gis.ui.i18n import current_language, tr
from gis.viz import features, maps

SECTIONS = ("cycle",)


def config() -> CycleConfig:
    return CycleConfig.from_settings(cache.get_settings())


@st.cache_data(show_spinner=False, max_entries=4)
def load_cycle(url: str, version: int, fingerprint: str, today: str) -> dict[str, Any]:
    """Records, per-school and per-station cycle tables and notice states on ``today``."""
    day = dt.date.fromisoformat(today)
    cfg = config()
    store = cache.get_store(url)
    data = cache.load_layers(url, version)
    try:
        records = read_records(store)
        snapshots = store.read_layer("snapshots")
    except GisError:
        records, snapshots = {}, pd.DataFrame()
    schools, posts = data["schools"], data["police_posts"]
    if schools is None or not len(schools):
        return {"records": records, "table": pd.DataFrame(), "per": pd.DataFrame(), "notices": pd.DataFrame(),
                "snapshots": snapshots}
    table = school_cycle(schools, records, as_of=day, config=cfg, posts=posts)
    notices = notice_states(records.get("notices", pd.DataFrame()), as_of=day, config=cfg) \
        if records.get("notices") is not None else pd.DataFrame()
    if len(notices):   # where each is addressed: a school or a risk site (restricted ones unnamed)
        notices = notices.join(notice_places(notices, schools=schools, risk_sites=data.get("risk_sites"),
                                             posts=posts))
    per = jurisdiction_cycle(table, records, as_of=day, config=cfg, names=jurisdiction_names(posts),
                             site_notices=notices)
    return {"records": records, "table": table, "per": per, "notices": notices, "snapshots": snapshots}


def cycle(ctx: cache.Context) -> dict[str, Any]:
    return load_cycle(ctx.url, ctx.version, cache.get_settings().fingerprint("cycle"), dt.date.today().isoformat())


@st.cache_data(show_spinner=False, max_entries=6)
def load_layer_collection(url: str, version: int, fingerprint: str, today: str, lang: str) -> dict:
    from gis.viz.cycle import cycle_features, risk_notice_features

    data = load_cycle(url, version, fingerprint, today)
    layers = cache.load_layers(url, version)
    if not len(data["table"]):
        return features.empty_collection()
    coll = cycle_features(layers["schools"], data["table"], inspections=data["records"]["inspections"],
                          notices=data["notices"], lang=lang)
    sites = risk_notice_features(layers.get("risk_sites"), data["notices"], lang=lang)
    return {**coll, "features": coll["features"] + sites["features"]}


def layer_group(ctx: cache.Context, lang: str):
    """The 检查整改 feature group for a page's map."""
    coll = load_layer_collection(ctx.url, ctx.version, cache.get_settings().fingerprint("cycle"),
                                 dt.date.today().isoformat(), lang)
    return maps.feature_group("cycle", [coll])


def kpi_counts(ctx: cache.Context) -> tuple[int, int, int] | None:
    """(open, overdue, escalated) notices now, or None when there are no records."""
    try:
        notices = cycle(ctx)["notices"]
    except GisError:
        return None
    if notices is None or not len(notices):
        return (0, 0, 0)
    open_ = ~notices["closed"].astype(bool)
    return (int(open_.sum()), int((open_ & notices["overdue"].astype(bool)).sum()),
            int((open_ & notices["escalate"].astype(bool)).sum()))


# -- overview ------------------------------------------------------------------------------

def reminder(ctx: cache.Context, *, today: dt.date | None = None) -> None:
    """Around the report day, say which 派出所 have not produced this month's report."""
    today = today or dt.date.today()
    found, names = _reminder(ctx.url, ctx.version, cache.get_settings().fingerprint("cycle"), today.isoformat())
    if not found:
        return
    who = "、".join(names.get(j, j) for j in found["missing"])
    due = found["due"].isoformat()
    if found["overdue"]:
        st.warning(tr(f"⚠ {found['month']} 月报已于 {due} 到期，尚未生成：{who}。请在“检查整改”页生成并报送。",
                    f"The {found['month']} report was due on {due}; not yet produced by: {who}."))
    else:
        st.warning(tr(f"{found['month']} 月报应于 {due} 前报送，尚未生成：{who}。",
                      f"The {found['month']} report is due by {due}; not yet produced by: {who}."))


@st.cache_resource(show_spinner=False, max_entries=4)
def _reminder(url: str, version: int, fingerprint: str, today: str) -> tuple[dict[str, Any] | None, dict]:
    """(report reminder, 派出所 names) once per data version and day, shared by every session
    (issue 12: the overview unpickled the month's records on every page view for this)."""
    posts = cache.load_layers(url, version)["police_posts"]
    names = jurisdiction_names(posts)
    if not names:
        return None, names
    data = load_cycle(url, version, fingerprint, today)
    return report_reminder(data["snapshots"], today=dt.date.fromisoformat(today), config=config(),
                           jurisdiction_ids=sorted(names)), names


def trend_frame(ctx: cache.Context, jurisdiction_id: str = COUNTY) -> pd.DataFrame:
    """Stored snapshots plus the running month as counted now."""
    data = cycle(ctx)
    snaps = data["snapshots"]
    layers = cache.layers(ctx)
    month = dt.date.today().strftime("%Y-%m")
    table, _ = cache.assessment(ctx)
    figures = monthly_figures(layers, data["records"], month=month, config=config(), assessment=table,
                              today=dt.date.today())
    current = snapshot_rows(figures)
    older = snaps[snaps["month"] < month] if len(snaps) else snaps
    history = pd.concat([older, current], ignore_index=True) if len(older) else current
    return trend(history, jurisdiction_id=jurisdiction_id)


def trend_chart(ctx: cache.Context) -> None:
    """The monthly trend (weak campuses, overdue notices, inspections) as an offline PNG."""
    png = _trend_png(ctx.url, ctx.version, ctx.fingerprint, dt.date.today().isoformat(),
                     current_language(), cache.peak())
    with st.expander(tr("月度趋势：薄弱校园、逾期通知书、检查次数", "Monthly trend"), expanded=False):
        st.image(png, width="stretch")


@st.cache_data(show_spinner=False, max_entries=8)
def _trend_png(url: str, version: int, fingerprint: str, day: str, lang: str, peak: str) -> bytes:
    """The trend PNG, drawn once per data version, day, language and peak (issue 12: the
    overview reran this on every page view, 2–3 s at county scale)."""
    from gis.reports.cyclecharts import trend_png

    # at most Streamlit's widest image (1460 px), or st.image resizes it on every page view
    return trend_png(trend_frame(cache.Context(url, version, fingerprint)), lang=lang, width_px=1440,
                     height_px=468)


# -- one-click notice -----------------------------------------------------------------------

def notice_buttons(ctx: cache.Context, school_id: str, reasons: list[str], *, key: str) -> None:
    """One button per assessment reason: issue a notice with it as the item, deadline by config."""
    from gis.cycle.edits import issue_notice

    flash()
    if not reasons:
        return
    days = config().notice_default_days
    st.markdown(tr(f"**下发整改通知书**（期限 {days} 天，可在“检查整改”页调整）",
                   f"**Issue a rectification notice** (deadline {days} days)"))
    for k, reason in enumerate(reasons):
        c1, c2 = st.columns([5, 1])
        c1.write(reason)
        if c2.button(tr("下发通知书", "Issue notice"), key=f"{key}_{school_id}_{k}"):
            try:
                rid = issue_notice(cache.get_store(ctx.url), school_id=school_id, items=reason,
                                   deadline=dt.date.today() + dt.timedelta(days=days), origin="评估原因",
                                   **auth.acting())
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state["cycle_flash"] = tr(f"已下发整改通知书 {rid}", f"Notice {rid} issued")
                st.rerun()


def school_reasons(ctx: cache.Context, school_id: str) -> list[str]:
    """The assessment's reasons of one school, in Chinese (a notice is written in Chinese)."""
    table, _ = cache.assessment(ctx)
    if table is None or not len(table):
        return []
    row = table[table["school_id"].astype(str) == str(school_id)]
    if row.empty or not isinstance(row.iloc[0].get("reasons_zh"), str):
        return []
    return [r.strip() for r in row.iloc[0]["reasons_zh"].split("；") if r.strip()]


def flash() -> None:
    message = st.session_state.pop("cycle_flash", None)
    if message:
        st.success(message)


# -- the 检查整改 page ----------------------------------------------------------------------

def school_choices(ctx: cache.Context) -> dict[str, str]:
    schools = cache.layers(ctx)["schools"]
    return dict(zip(schools["id"].astype(str), schools["name"].astype(str), strict=True))


def status_table(ctx: cache.Context, jurisdictions: list[str]) -> pd.DataFrame:
    table = cycle(ctx)["table"]
    if not len(table):
        return table
    if jurisdictions:
        table = table[table["jurisdiction_id"].astype(str).isin(jurisdictions)]
    order = {"overdue": 0, "missing": 1, "due_soon": 2, "ok": 3}
    table = table.assign(_o=table["status"].map(order)).sort_values(["_o", "name"])
    en = current_language() == "en"
    return pd.DataFrame({
        tr("学校", "School"): table["name"],
        tr("状态", "Status"): table["status"] if en else table["status"].map(STATUS_ZH),
        tr("已检/应检", "Done/required"): table["inspections_done"].astype(str) + "/"
        + table["inspections_required"].astype(str),
        tr("最近检查", "Last inspection"): table["last_inspection"],
        tr("未销号", "Open notices"): table["notices_open"],
        tr("逾期", "Overdue"): table["notices_overdue"],
        tr("说明", "Notes"): table["reasons_en" if en else "reasons_zh"],
        "school_id": table["school_id"],
    })


def wanted_school(ctx: cache.Context) -> str | None:
    """The school a popup's "add inspection" link chose (``?school=ID``), when it exists."""
    wanted = st.query_params.get("school")
    return wanted if wanted and wanted in school_choices(ctx) else None


def add_inspection_form(ctx: cache.Context) -> None:
    from gis.cycle.edits import add_inspection, issue_notice
    from gis.schema import ENUM_LABELS_ZH, INSPECTION_KINDS

    names = school_choices(ctx)
    wanted = wanted_school(ctx)   # from a school's popup on the map
    ids = list(names)
    with st.form("add_inspection", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        school = c1.selectbox(tr("学校", "School"), ids, format_func=lambda s: names[s],
                              index=ids.index(wanted) if wanted in ids else 0)
        day = c2.date_input(tr("检查日期", "Date"), value=dt.date.today(), max_value=dt.date.today())
        kind = c3.selectbox(tr("检查类型", "Kind"), INSPECTION_KINDS, format_func=lambda k: ENUM_LABELS_ZH[k])
        c4, c5 = st.columns(2)
        unit = c4.text_input(tr("检查单位", "Unit"))
        inspector = c5.text_input(tr("检查人", "Inspector"))
        failed = st.multiselect(tr("不合格项目", "Failed items"), list(FAILED_ITEMS), accept_new_options=True)
        findings = st.text_area(tr("检查情况", "Findings"), height=70)
        notice = st.checkbox(tr("不合格项同时下发整改通知书", "Issue a notice for the failed items"), value=True)
        if st.form_submit_button(tr("保存检查记录", "Save inspection")):
            try:
                store = cache.get_store(ctx.url)
                rid = add_inspection(store, school_id=school, day=day, kind=kind, unit=unit, inspector=inspector,
                                     findings=findings, failed_items=failed, **auth.acting())
                text = tr(f"已保存检查记录 {rid}", f"Inspection {rid} saved")
                if notice and failed:
                    nid = issue_notice(store, school_id=school, items="；".join(failed), issued_on=day,
                                       deadline=day + dt.timedelta(days=config().notice_default_days),
                                       origin=f"检查 {rid} 不合格项", **auth.acting())
                    text += tr(f"，已下发整改通知书 {nid}", f", notice {nid} issued")
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state["cycle_flash"] = text
                st.rerun()


def failed_items_without_notice(ctx: cache.Context, *, limit: int = 20) -> pd.DataFrame:
    """Recent inspections' failed items that no notice names yet (newest first)."""
    data = cycle(ctx)
    ins = data["records"].get("inspections")
    if ins is None or not len(ins):
        return pd.DataFrame(columns=["inspection_id", "school_id", "date", "item"])
    origins = set(data["notices"]["origin"].dropna().astype(str)) if len(data["notices"]) else set()
    rows = []
    for r in ins.sort_values("date", ascending=False).to_dict("records"):
        if not isinstance(r.get("failed_items"), str) or f"检查 {r['id']} 不合格项" in origins:
            continue
        rows += [{"inspection_id": r["id"], "school_id": r["school_id"], "date": r["date"], "item": item.strip()}
                 for item in r["failed_items"].split("；") if item.strip()]
        if len(rows) >= limit:
            break
    return pd.DataFrame(rows[:limit], columns=["inspection_id", "school_id", "date", "item"])


def failed_item_buttons(ctx: cache.Context) -> None:
    """One button per failed item of a past inspection: issue its notice in one click."""
    from gis.cycle.edits import issue_notice

    items = failed_items_without_notice(ctx)
    if not len(items):
        return
    names = school_choices(ctx)
    days = config().notice_default_days
    st.markdown(tr(f"**检查发现的不合格项（尚未下发通知书）**，期限 {days} 天",
                   f"**Failed items without a notice** (deadline {days} days)"))
    for k, r in enumerate(items.to_dict("records")):
        c1, c2 = st.columns([5, 1])
        c1.write(f"{r['date']} {names.get(str(r['school_id']), r['school_id'])}：{r['item']}")
        if c2.button(tr("下发通知书", "Issue notice"), key=f"failed_{r['inspection_id']}_{k}"):
            try:
                rid = issue_notice(cache.get_store(ctx.url), school_id=str(r["school_id"]), items=r["item"],
                                   deadline=dt.date.today() + dt.timedelta(days=days),
                                   origin=f"检查 {r['inspection_id']} 不合格项")
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state["cycle_flash"] = tr(f"已下发整改通知书 {rid}", f"Notice {rid} issued")
                st.rerun()


def notices_section(ctx: cache.Context, jurisdictions: list[str]) -> None:
    from gis.cycle.edits import close_notice

    notices = cycle(ctx)["notices"]
    if not len(notices):
        st.info(tr("还没有整改通知书", "No notices yet"))
        return
    shown = notices[~notices["closed"].astype(bool)] if not st.toggle(tr("含已销号", "Include closed")) \
        else notices
    if jurisdictions:
        shown = shown[shown["jurisdiction_id"].isin(jurisdictions)]
    shown = shown.sort_values(["deadline", "id"])
    site = shown["place_kind"] == "risk_site"
    en = current_language() != "zh"
    view = pd.DataFrame({
        tr("编号", "Id"): shown["id"],
        tr("学校 / 风险点位", "School / risk site"): [("⚠ " if s else "") + str(n) for s, n in
                                                     zip(site, shown["place_name_en" if en else "place_name"],
                                                         strict=True)],
        tr("下发", "Issued"): shown["issued_on"], tr("期限", "Deadline"): shown["deadline"],
        tr("整改事项", "Items"): [tr("（受限，不显示）", "(restricted)") if r else i
                              for r, i in zip(shown["restricted"].astype(bool), shown["items"], strict=True)],
        tr("状态", "State"): shown["state"].map(NOTICE_STATE_ZH) if current_language() == "zh" else shown["state"],
        tr("逾期天数", "Days overdue"): shown["days_overdue"],
    })
    event = st.dataframe(view, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="notices_table")
    rows = event.selection.rows if event is not None else []
    if not rows:
        st.caption(tr("选择一份通知书以复查销号", "Select a notice to close it after review"))
        return
    row = shown.iloc[rows[0]]
    if row["closed"]:
        st.caption(tr(f"{row['id']} 已于 {row['closed_on']} 复查销号", f"{row['id']} closed on {row['closed_on']}"))
        return
    with st.form("close_notice"):
        st.markdown(html.escape(tr(f"复查销号：{row['id']}（{row['place_name']}）",
                                   f"Close after review: {row['id']}")))
        c1, c2 = st.columns(2)
        closed_on = c1.date_input(tr("复查日期", "Review date"), value=dt.date.today(), max_value=dt.date.today())
        reviewer = c2.text_input(tr("复查人", "Reviewed by"))
        if st.form_submit_button(tr("复查合格，销号", "Reviewed: close")):
            try:
                close_notice(cache.get_store(ctx.url), notice_id=str(row["id"]), closed_on=closed_on,
                             reviewed_by=reviewer, version=int(row["version"]), **auth.acting())
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state["cycle_flash"] = tr(f"{row['id']} 已销号", f"{row['id']} closed")
                st.rerun()


def site_notice_form(ctx: cache.Context) -> None:
    """Issue a notice to a public risk site (网吧, 摊点 …); restricted sites are not offered."""
    from gis.cycle.edits import issue_notice
    from gis.schema import ENUM_LABELS_ZH, sensitive_mask

    sites = cache.layers(ctx).get("risk_sites")
    if sites is None or not len(sites):
        return
    sites = sites[~sensitive_mask(sites)]
    labels = {str(i): f"{ENUM_LABELS_ZH.get(str(c), c)} {int(lv) if pd.notna(lv) else ''}级（{i}）"
              for i, c, lv in zip(sites["id"], sites["category"], sites["level"], strict=True)}
    with st.expander(tr("向风险点位下发整改通知书（网吧、摊点等）", "Issue a notice to a risk site")), \
            st.form("site_notice", clear_on_submit=True):
        c1, c2 = st.columns([2, 1])
        site = c1.selectbox(tr("风险点位", "Risk site"), list(labels), format_func=lambda i: labels[i])
        deadline = c2.date_input(tr("整改期限", "Deadline"),
                                 value=dt.date.today() + dt.timedelta(days=config().notice_default_days))
        items = st.text_input(tr("整改事项", "Items"), placeholder=tr("如：距学校不足200米违规经营，限期停业整改",
                                                                  "e.g. café within 200 m of a school"))
        if st.form_submit_button(tr("下发通知书", "Issue notice")):
            try:
                rid = issue_notice(cache.get_store(ctx.url), risk_site_id=site, items=items, deadline=deadline,
                                   origin="周边清查整治", **auth.acting())
            except GisError as exc:
                st.error(str(exc))
            else:
                st.session_state["cycle_flash"] = tr(f"已向 {labels[site]} 下发整改通知书 {rid}",
                                                     f"Notice {rid} issued to {site}")
                st.rerun()


@st.cache_data(show_spinner=False, max_entries=2)
def load_drills(url: str, version: int, fingerprint: str) -> pd.DataFrame:
    from gis.cycle.drills import drill_comparison

    data = cache.load_layers(url, version)
    records = read_records(cache.get_store(url))
    graph = cache.road_graph(url, version, fingerprint) if len(data["roads"]) else None
    return drill_comparison(records, data, graph=graph, config=config(), settings=cache.get_settings())


def drills_section(ctx: cache.Context) -> None:
    try:
        drills = load_drills(ctx.url, ctx.version, ctx.fingerprint)
    except GisError as exc:
        st.error(str(exc))
        return
    if not len(drills):
        st.info(tr("还没有演练记录", "No drills recorded"))
        return
    en = current_language() == "en"
    view = pd.DataFrame({
        tr("学校", "School"): drills["school_name"], tr("日期", "Date"): drills["date"],
        tr("报警时间", "Alarm"): drills["alarm_time"],
        tr("实测(分钟)", "Measured (min)"): (pd.to_numeric(drills["police_arrival_s"]) / 60).round(1),
        tr("路网计算(分钟)", "Computed (min)"): (drills["computed_s"] / 60).round(1),
        tr("差距大", "Large gap"): drills["large_gap"],
        tr("判断", "Verdict"): drills["verdict_en" if en else "verdict_zh"],
    }).sort_values(tr("差距大", "Large gap"), ascending=False)
    st.dataframe(view, hide_index=True, width="stretch")


def report_section(ctx: cache.Context) -> None:
    """Produce the monthly report (PDFs + XLSX, snapshot stored) and offer it as one zip."""
    from gis.reports.monthly import produce_monthly_report

    c1, c2 = st.columns([1, 3])
    month = c1.text_input(tr("月份 (YYYY-MM)", "Month (YYYY-MM)"), value=dt.date.today().strftime("%Y-%m"))
    if c2.button(tr("生成月报（PDF + Excel）", "Produce the monthly report")):
        try:
            with st.spinner(tr("正在生成…", "Producing…")), tempfile.TemporaryDirectory() as tmp:
                _, files = produce_monthly_report(cache.get_store(ctx.url), settings=cache.get_settings(),
                                                  month=month, out_dir=Path(tmp))
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                    for path in [*files["pdf"], *files["xlsx"]]:
                        zf.write(path, arcname=path.name)
                st.session_state["monthly_zip"] = (month, buf.getvalue())
        except GisError as exc:
            st.error(str(exc))
    ready = st.session_state.get("monthly_zip")
    if ready:
        st.download_button(tr(f"下载 {ready[0]} 月报（zip）", f"Download the {ready[0]} report (zip)"), ready[1],
                           file_name=f"monthly_{ready[0]}.zip", mime="application/zip")


def with_work_html(table: pd.DataFrame | None, url: str, version: int, lang: str) -> pd.DataFrame | None:
    """The assessment table with ``work_html`` (last inspections, open notices) per school,
    for the schools layer's popup; unchanged when there are no records."""
    from gis.viz.cycle import work_popups

    if table is None or not len(table):
        return table
    try:
        data = load_cycle(url, version, cache.get_settings().fingerprint("cycle"), dt.date.today().isoformat())
    except GisError:
        return table
    inspections = data["records"].get("inspections")
    if inspections is None or (not len(inspections) and not len(data["notices"])):
        return table
    schools = cache.load_layers(url, version)["schools"]
    blocks = work_popups(schools, inspections=inspections, notices=data["notices"], lang=lang)
    key = "school_id" if "school_id" in table.columns else "id"
    return table.assign(work_html=table[key].astype(str).map(blocks))
