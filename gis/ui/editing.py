"""Widgets of the 数据管理 page: layer summary, import with preview, templates, table editing, moving points.

Everything here reads and writes through ``gis.io`` (importer, edits, templates) and the
store; errors a planner can cause are shown with ``st.error``, never as a traceback.
User-supplied text shown as HTML (map tooltips) is escaped.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import streamlit as st
from folium.elements import MacroElement
from folium.template import Template
from streamlit_folium import st_folium

from gis.errors import GisError, StaleVersionError
from gis.io.edits import apply_edits, editable_frame, has_point, move_point, plan_edits
from gis.io.headers import target_choices, target_label
from gis.io.importer import (
    commit_import,
    prepare_import,
    read_references,
    read_roads,
    write_quarantine,
)
from gis.io.safe_zip import ZipLimits
from gis.io.tables import read_table
from gis.io.templates import write_template
from gis.schema import ENUM_LABELS_ZH, LAYER_NAMES, LAYERS, main_gate
from gis.ui import auth, cache
from gis.ui.i18n import current_language, tr

CRS_OPTIONS = {"wgs84": ("WGS-84（GPS、天地图、OSM）", "WGS-84 (GPS, Tianditu, OSM)"),
               "gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
               "bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
               "EPSG:4547": ("CGCS2000 高斯-克吕格 114°E (EPSG:4547)", "CGCS2000 GK 114°E (EPSG:4547)"),
               "EPSG:4549": ("CGCS2000 高斯-克吕格 120°E (EPSG:4549)", "CGCS2000 GK 120°E (EPSG:4549)")}
FLASH_KEY = "data_flash"
UPLOAD_TYPES = ["csv", "txt", "xlsx", "xlsm", "geojson", "json", "zip", "gpkg", "kml", "kmz", "shp", "shx", "dbf", "prj", "cpg",
                "osm", "pbf", "bz2"]


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


# what each section of the 数据管理 page needs (gis.auth.policy action, layer)
SECTION_NEEDS = {"import": ("import", "schools"), "templates": ("import", "schools"),
                 "table": ("write", "schools"), "map": ("write", "schools")}


def plain(text: str) -> str:
    """Escape Markdown and HTML tags in user-derived text shown by st.error/st.warning/st.caption."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def layer_label(name: str) -> str:
    return f"{LAYERS[name].zh} ({name})" if current_language() == "zh" else name


# -- summary -------------------------------------------------------------------------------

def layer_summary(layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows, sources and last update per layer."""
    rows = []
    for name in LAYER_NAMES:
        frame = layers.get(name, pd.DataFrame())
        sources = sorted(frame["source"].dropna().astype(str).unique()) if "source" in frame else []
        updated = pd.to_datetime(frame["updated_at"], errors="coerce", utc=True).max() if "updated_at" in frame \
            else None
        rows.append({tr("图层", "Layer"): layer_label(name), tr("条数", "Rows"): len(frame),
                     tr("来源", "Sources"): "，".join(sources[:6]) + (" …" if len(sources) > 6 else ""),
                     tr("最后更新", "Last update"): "" if updated is None or pd.isna(updated)
                     else updated.tz_convert(None).strftime("%Y-%m-%d %H:%M UTC")})
    return pd.DataFrame(rows)


def templates_panel() -> None:
    st.caption(tr("每个图层一个 Excel 模板：中文表头、示例行、下拉选项与填写说明。",
                  "One Excel template per layer: Chinese headers, an example row, drop-downs and notes."))
    cols = st.columns(3)
    for i, name in enumerate(LAYER_NAMES):
        cols[i % 3].download_button(tr(f"下载模板：{LAYERS[name].zh}", f"Template: {name}"),
                                    data=_template_bytes(name), file_name=f"{LAYERS[name].zh}_导入模板.xlsx",
                                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    key=f"tpl_{name}")


@st.cache_data(show_spinner=False)
def _template_bytes(name: str) -> bytes:
    return write_template(name)


# -- import --------------------------------------------------------------------------------

def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base) or "upload"


def _save_uploads(files: list[Any], limit_mb: float) -> Path | None:
    """Write the uploaded files into a private folder; return the file to import."""
    total = sum(f.size for f in files)
    if total > limit_mb * 1024 * 1024:
        st.error(tr(f"文件共 {total / 1048576:.1f} MB，超过上传上限 {limit_mb:g} MB（[import] max_upload_mb）。",
                    f"The upload is {total / 1048576:.1f} MB, above the {limit_mb:g} MB limit."))
        return None
    folder = Path(tempfile.mkdtemp(prefix="gis-upload-"))
    paths = []
    for f in files:
        path = folder / _safe_name(f.name)
        path.write_bytes(f.getvalue())
        paths.append(path)
    shp = [p for p in paths if p.suffix.lower() == ".shp"]
    if shp:
        return shp[0]
    return paths[0]


def import_panel(ctx: cache.Context) -> None:
    """Upload → preview (mapping, accepted/rejected with reasons) → commit."""
    settings = cache.get_settings()
    section = settings.section("import")
    c1, c2, c3 = st.columns([1, 1, 1])
    layer = c1.selectbox(tr("导入到图层", "Layer"), LAYER_NAMES, format_func=layer_label, key="imp_layer")
    crs = c2.selectbox(tr("坐标系", "Coordinates"), list(CRS_OPTIONS), format_func=lambda k: tr(*CRS_OPTIONS[k]),
                       key="imp_crs")
    strict = c3.checkbox(tr("严格模式：有错误行则全部不导入", "Strict: all or nothing"), key="imp_strict")
    files = st.file_uploader(tr("选择文件（CSV、Excel、GeoJSON、Shapefile 的 .zip 或 .shp/.shx/.dbf/.prj 一组、"
                                "GeoPackage、KML/KMZ（奥维、Google Earth）；道路也可用 OSM）",
                                "Files (CSV, XLSX, GeoJSON, zipped or loose Shapefile, GeoPackage, KML/KMZ; OSM for "
                                "roads)"),
                             type=UPLOAD_TYPES, accept_multiple_files=True, key="imp_files")
    if not files:
        return
    signature = (layer, tuple((getattr(f, "file_id", f.name), f.name, f.size) for f in files))
    state = st.session_state.setdefault("imp_state", {})
    if state.get("signature") != signature:
        if state.get("path") is not None:
            shutil.rmtree(Path(state["path"]).parent, ignore_errors=True)
        path = _save_uploads(files, float(section.get("max_upload_mb", 50)))
        if path is None:
            return
        try:
            table = read_table(path, layer_name=layer, limits=ZipLimits.from_section(section))
        except GisError as exc:
            st.error(plain(str(exc)))
            return
        state.clear()
        state.update(signature=signature, path=path, table=table, mapping=None)
    table = state["table"]
    store = cache.get_store(ctx.url)
    try:
        existing = store.read_layer(layer)
        roads = read_roads(store) if layer != "roads" else None
        preview = prepare_import(layer, state["path"], crs=crs, mapping=state.get("mapping"), existing=existing,
                                 roads=roads, extent_margin_m=float(section.get("extent_margin_m", 5000)),
                                 table=table, road_class=cache.get_settings().section("network").get(
                                     "default_road_class", "residential"),
                                 references=read_references(store, layer))
    except GisError as exc:
        st.error(plain(str(exc)))
        _mapping_editor(layer, state, None, list(table.frame.columns))
        return
    st.caption(plain(" · ".join(table.notes)))
    _mapping_editor(layer, state, preview.mapping, list(table.frame.columns))
    _preview_summary(preview)
    if st.button(tr("确认导入", "Import now"), type="primary", key="imp_go",
                 disabled=preview.accepted == 0 or (strict and preview.rejected > 0)):
        try:
            principal = auth.current()
            outcome = commit_import(store, preview, strict=strict, actor=principal.username,
                                    quarantine=False, principal=principal)
        except StaleVersionError as exc:
            st.error(plain(str(exc)))
            return
        except GisError as exc:
            st.error(plain(str(exc)))
            return
        st.success(tr(f"已导入：新增 {len(outcome.inserted)}，更新 {len(outcome.updated)}，未变 "
                      f"{len(outcome.unchanged)}。", f"Imported: {len(outcome.inserted)} new, "
                      f"{len(outcome.updated)} updated, {len(outcome.unchanged)} unchanged."))
        done = st.session_state.pop("imp_state", None) or {}
        if done.get("path") is not None:
            shutil.rmtree(Path(done["path"]).parent, ignore_errors=True)


def _mapping_editor(layer: str, state: dict, mapping: dict[str, str] | None, columns: list[str]) -> None:
    st.markdown(tr("**列映射**（可修改：选择每一列对应的字段，空白表示不导入）",
                   "**Column mapping** (editable: pick the field of each column; blank = ignore)"))
    current = mapping or {c: "" for c in columns}
    frame = pd.DataFrame({"column": list(current), "target": list(current.values()),
                          "label": [target_label(layer, t) for t in current.values()]})
    choices = target_choices(layer)
    edited = st.data_editor(
        frame, hide_index=True, width="stretch", key=f"imp_map_{layer}_{hash(tuple(columns))}",
        disabled=["column", "label"],
        column_config={
            "column": st.column_config.TextColumn(tr("文件中的列", "Column in file")),
            "label": st.column_config.TextColumn(tr("字段含义", "Meaning")),
            "target": st.column_config.SelectboxColumn(
                tr("对应字段", "Field"), options=choices,
                help=tr("、".join(f"{c}={target_label(layer, c)}" for c in choices if c),
                        ", ".join(c for c in choices if c))),
        })
    chosen = {row["column"]: (row["target"] or "") for row in edited.to_dict("records")}
    if chosen != current:
        state["mapping"] = chosen
        st.rerun()


def _preview_summary(preview) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("总行数", "Rows"), preview.total)
    c2.metric(tr("可导入", "Accepted"), preview.accepted)
    c3.metric(tr("新增/已存在", "New / stored"), f"{len(preview.new_ids)} / {len(preview.existing_ids)}")
    c4.metric(tr("有误（将隔离）", "Rejected"), preview.rejected)
    for warning in preview.warnings:
        st.warning(plain(warning))
    if preview.rejected:
        reasons = preview.reasons()
        shown = reasons[["row", "label", "zh" if current_language() == "zh" else "en"]]
        shown.columns = [tr("源文件行号", "Source row"), tr("字段", "Field"), tr("原因与改法", "Problem and fix")]
        st.dataframe(shown, hide_index=True, width="stretch")
        with tempfile.TemporaryDirectory() as tmp:
            out = write_quarantine(preview, Path(tmp) / _quarantine_name(preview))
            data = out.read_bytes()
        st.download_button(tr("下载被拒绝的行（隔离文件）", "Download rejected rows (quarantine file)"),
                           data=data, file_name=_quarantine_name(preview), key="imp_quarantine")
    if preview.accepted:
        st.caption(tr("将导入的前 20 行：", "First 20 rows to import:"))
        st.dataframe(_plain(preview.records.head(20)), width="stretch")


def _quarantine_name(preview) -> str:
    from gis.io.importer import quarantine_path_for

    return quarantine_path_for(preview.table.path, preview.table.family).name


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        if out[column].map(lambda v: hasattr(v, "wkt")).any():
            out[column] = out[column].map(lambda v: None if v is None else v.wkt[:60])
    return out


# -- table editing -------------------------------------------------------------------------

def _column_config(layer: str) -> dict[str, Any]:
    config: dict[str, Any] = {"version": st.column_config.NumberColumn(tr("版本", "Version"), disabled=True)}
    for fld in LAYERS[layer].attribute_fields:
        label = fld.zh if current_language() == "zh" else fld.name
        if fld.choices:
            config[fld.name] = st.column_config.SelectboxColumn(
                label, options=[ENUM_LABELS_ZH.get(c, c) for c in fld.choices], required=fld.required)
        elif fld.kind == "bool":
            config[fld.name] = st.column_config.CheckboxColumn(label)
        elif fld.kind in ("int", "float"):
            config[fld.name] = st.column_config.NumberColumn(label, min_value=fld.low, max_value=fld.high,
                                                             step=1 if fld.kind == "int" else None)
        else:
            config[fld.name] = st.column_config.TextColumn(label, required=fld.required)
    if has_point(layer):
        config["lon"] = st.column_config.NumberColumn(tr("经度", "Longitude"), format="%.6f")
        config["lat"] = st.column_config.NumberColumn(tr("纬度", "Latitude"), format="%.6f")
    return config


def editor_panel(ctx: cache.Context, layers: dict[str, pd.DataFrame]) -> None:
    """``st.data_editor`` over one layer: change cells, add rows, delete rows; save = transactions."""
    layer = st.selectbox(tr("编辑图层", "Layer to edit"), LAYER_NAMES, format_func=layer_label, key="ed_layer")
    stored = layers.get(layer)
    if stored is None or not len(stored):
        st.info(tr("该图层还没有数据，可先导入，或在下表中添加行。", "No rows yet: import, or add rows below."))
    original = editable_frame(layer, stored if stored is not None else pd.DataFrame())
    if layer == "roads":
        st.caption(tr("道路几何只能通过导入更新；此处可改属性。", "Road geometry comes from imports; edit attributes here."))
    edited = st.data_editor(original, num_rows="dynamic", hide_index=True, width="stretch",
                            column_config=_column_config(layer), key=f"ed_table_{layer}_{ctx.version}")
    if st.button(tr("保存修改", "Save changes"), type="primary", key=f"ed_save_{layer}"):
        plan = plan_edits(layer, original, edited, stored)
        if plan.empty and not plan.problems:
            st.info(tr("没有需要保存的修改。", "Nothing to save."))
            return
        _apply(plan)


def _apply(plan) -> None:
    """Save an edit plan in one transaction, or show why it cannot be saved."""
    if plan.problems:
        for problem in plan.problems:
            st.error(plain(problem))
        return
    store = cache.get_store(cache.get_settings().database_url)
    try:
        outcome = apply_edits(store, plan, principal=auth.current())
    except StaleVersionError as exc:
        st.error(tr("保存被拒绝：这些记录刚被他人修改。请刷新页面查看最新数据后再改。",
                    "Not saved: someone else changed these rows meanwhile. Reload and apply your change again."))
        st.caption(plain(str(exc)))
        return
    except GisError as exc:
        st.error(plain(str(exc)))
        return
    st.session_state[FLASH_KEY] = tr(
        f"已保存：新增 {len(outcome.inserted)}，修改 {len(outcome.updated)}，删除 {outcome.deleted}（已记入审计日志）。",
        f"Saved: {len(outcome.inserted)} added, {len(outcome.updated)} changed, {outcome.deleted} deleted "
        "(recorded in the audit log).")
    st.rerun()


def show_flash() -> None:
    """Show (once) the message of the last save, which reran the page."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


# -- moving points on the map --------------------------------------------------------------

class DragReportsClick(MacroElement):
    """After a marker is dragged, report its new position as a map click.

    streamlit-folium returns ``last_clicked`` for map clicks but has no drag event, so
    the marker's ``dragend`` fires a synthetic map ``click`` at the dropped position.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on("dragend", function (e) {
            var ll = e.target.getLatLng();
            e.target._map.fire("click", {latlng: ll, originalEvent: {}});
        });
        {% endmacro %}
    """)


PIN_HTML = ('<div style="width:22px;height:22px;border-radius:50%;background:#c0392b;border:3px solid #fff;'
            'box-shadow:0 0 0 2px #c0392b,0 2px 6px rgba(0,0,0,.4);cursor:move"></div>')


def _record_label(row: pd.Series) -> str:
    name = row.get("name")
    return f"{row['id']} {name}" if isinstance(name, str) and name else str(row["id"])


def add_move_markers(m: folium.Map, frame: pd.DataFrame, layer: str, pick: int) -> folium.Map:
    """The other records as small grey dots, the picked one as a draggable pin (names escaped)."""
    geom = LAYERS[layer].geometry_column
    for i, other in frame.iterrows():
        p = main_gate(other[geom])
        if p is None or i == pick:
            continue
        folium.CircleMarker([p.y, p.x], radius=4, color="#7f8c8d", fill=True, fill_opacity=0.7,
                            tooltip=html.escape(_record_label(other))).add_to(m)
    point = main_gate(frame.iloc[pick][geom])
    if point is not None:
        pin = folium.DivIcon(html=PIN_HTML, icon_size=(22, 22), icon_anchor=(11, 11), class_name="hx-drag-pin")
        label = html.escape(_record_label(frame.iloc[pick]))
        marker = folium.Marker([point.y, point.x], draggable=True, icon=pin,
                               tooltip=label + html.escape(tr("（拖动到新位置）", " (drag to the new place)")))
        DragReportsClick().add_to(marker)
        marker.add_to(m)
    return m


def move_panel(ctx: cache.Context, layers: dict[str, pd.DataFrame]) -> None:
    """Pick a record, then drag its marker, click on the map, or type coordinates; save."""
    from gis.ui import views

    point_layers = [n for n in LAYER_NAMES if has_point(n)]
    layer = st.selectbox(tr("图层", "Layer"), point_layers, format_func=layer_label, key="mv_layer")
    stored = layers.get(layer)
    if stored is None or not len(stored):
        st.info(tr("该图层还没有数据。", "No rows in this layer yet."))
        return
    frame = stored.reset_index(drop=True)
    labels = [_record_label(r) for _, r in frame.iterrows()]
    pick = st.selectbox(tr("要移动的记录（学校为主校门）", "Record to move (main gate for schools)"),
                        range(len(frame)), format_func=lambda i: labels[i], key=f"mv_pick_{layer}")
    row = frame.iloc[pick]
    point = main_gate(row[LAYERS[layer].geometry_column])
    m = add_move_markers(views.base_map(ctx, current_language(), legend=False), frame, layer, pick)
    result = st_folium(m, key=f"mv_map_{layer}_{row['id']}", height=480, use_container_width=True,
                       returned_objects=["last_clicked"], center=None if point is None else (point.y, point.x),
                       zoom=17)
    clicked = (result or {}).get("last_clicked")
    lon0 = clicked["lng"] if clicked else (point.x if point is not None else 0.0)
    lat0 = clicked["lat"] if clicked else (point.y if point is not None else 0.0)
    if clicked:
        st.info(tr(f"新位置（拖动或点击地图得到）：{lon0:.6f}, {lat0:.6f}",
                   f"New position from the map: {lon0:.6f}, {lat0:.6f}"))
    c1, c2, c3 = st.columns([2, 2, 1])
    lon = c1.number_input(tr("经度", "Longitude"), value=float(lon0), format="%.6f", key=f"mv_lon_{row['id']}_{lon0}")
    lat = c2.number_input(tr("纬度", "Latitude"), value=float(lat0), format="%.6f", key=f"mv_lat_{row['id']}_{lat0}")
    if c3.button(tr("保存位置", "Save position"), type="primary", key=f"mv_save_{layer}"):
        _apply(move_point(layer, row, lon, lat))
