"""Import templates: one XLSX per layer with Chinese headers, an example row and a help sheet.

The headers are the schema's zh labels (plus 经度/纬度 for the location, or 几何(WKT)
for roads), so a filled-in template maps itself on import. Enumerations get a drop-down
list of their Chinese values; a second sheet "填写说明" explains every column.
"""

from __future__ import annotations

import io
from pathlib import Path

from gis.errors import DataSourceError
from gis.io.paths import check_output_file
from gis.io.spreadsheet import open_workbook, write_cell
from gis.schema import ENUM_LABELS_ZH, GEOMETRY_KINDS, get_layer

EXAMPLES: dict[str, dict[str, object]] = {
    "schools": {"id": "S001", "name": "城东小学", "kind": "小学", "enrollment": 1200, "boarding": "否",
                "area_type": "城区", "jurisdiction_id": "P001", "guards": 3, "equipment_complete": "是",
                "video_networked": "是", "one_click_alarm": "是", "anti_ram_barrier": "否",
                "complex_area": "否", "high_risk": "否", "gatekeepers": 1, "guards_certified": "是",
                "equipment_items": 8, "intrusion_alarm": "是", "electronic_patrol": "是",
                "monitor_room_24h": "是", "night_duty_24h": "", "enclosed": "是", "parent_waiting_zone": "是",
                "legal_vice_principal": "是", "officer_name": "张警官", "officer_phone": "0701-0000000",
                "lon": 117.2130, "lat": 28.2460},
    "police_posts": {"id": "P001", "name": "城东派出所", "kind": "派出所", "staff": 25, "vehicles": 4,
                     "hours": "24小时", "lon": 117.2050, "lat": 28.2410},
    "cameras": {"id": "C001", "direction_deg": 90, "fov_deg": 60, "range_m": 40, "networked": "是",
                "status": "正常", "owner": "学校", "lon": 117.2131, "lat": 28.2461},
    "crossings": {"id": "X001", "school_id": "S001", "am_window": "07:20-07:50", "noon_window": "",
                  "pm_window": "16:30-17:10", "staffed_by": "公安", "staff": 2, "armed": "否", "lon": 117.2128, "lat": 28.2458},
    "risk_sites": {"id": "R001", "category": "网吧", "level": 2, "note": "", "sensitive": "否",
                   "registered_at": "2024-03-01", "lon": 117.2150, "lat": 28.2470},
    "roads": {"id": "RD001", "name": "人民路", "highway": "primary", "oneway": "no", "maxspeed": "50",
              "wkt": "LINESTRING (117.20 28.24, 117.22 28.25)"},
}

# issue 14: the campaign's records
EXAMPLES.update({
    "inspections": {"id": "JC0001", "school_id": "S001", "date": "2025-09-10", "kind": "派出所检查",
                    "unit": "城东派出所", "inspector": "王建国", "findings": "发现隐患 1 项",
                    "failed_items": "校门视频监控存在盲区"},
    "notices": {"id": "ZG0001", "school_id": "S001", "issued_on": "2025-09-10", "deadline": "2025-09-30",
                "items": "校门视频监控存在盲区", "status": "未整改", "closed_on": "", "reviewed_by": "",
                "escalated": "否", "origin": "检查 JC0001 不合格项"},
    "visits": {"id": "DX0001", "school_id": "S001", "post_id": "P010", "officer": "吴刚", "date": "2025-09-11"},
    "drills": {"id": "YL0001", "school_id": "S001", "date": "2025-10-15", "kind": "一键报警测试",
               "alarm_time": "07:40", "police_arrival_s": 260, "notes": ""},
})

# issue 13: the restricted register (an invented example row: no real person)
EXAMPLES["risk_persons"] = {"id": "GW0001", "category": "扬言报复", "level": 2, "measure": "社区民警每周见面稳控",
                            "officer": "张警官", "last_contact": "2025-09-01", "next_review": "2025-10-01",
                            "status": "在控", "note": "", "lon": 117.2150, "lat": 28.2470}

KIND_HELP = {"text": "文本", "int": "整数", "float": "数字", "bool": "是/否", "enum": "下拉选择",
             "window": "时段 HH:MM-HH:MM", "datetime": "日期 YYYY-MM-DD",
             "date": "日期 YYYY-MM-DD"}


def template_columns(layer_name: str) -> list[tuple[str, str, str]]:
    """``(header, target, help)`` per template column, in order."""
    layer = get_layer(layer_name)
    columns = []
    for fld in layer.attribute_fields:
        need = "必填" if fld.required else "选填"
        extra = ""
        if fld.choices:
            extra = "可选：" + "、".join(ENUM_LABELS_ZH.get(c, c) for c in fld.choices)
        elif fld.low is not None:
            extra = f"范围 {fld.low:g}–{fld.high:g}"
        columns.append((fld.zh, fld.name, f"{need}；{KIND_HELP.get(fld.kind, fld.kind)}；{extra}".rstrip("；")))
    if not layer.geometry_fields:   # a record table (inspections, notices …): no location columns
        return columns
    geom = layer.geometry_fields[0]
    if geom.kind in ("point", "multipoint"):
        where = "校门" if layer_name == "schools" else "位置"
        columns.append(("经度", "lon", f"必填；{where}经度，WGS-84 小数度（如 117.2130）或 117°12′47″"))
        columns.append(("纬度", "lat", f"必填；{where}纬度，WGS-84 小数度（如 28.2460）"))
    elif geom.kind in GEOMETRY_KINDS:
        columns.append(("几何(WKT)", "wkt", "必填；WKT 文本，如 LINESTRING (117.20 28.24, 117.22 28.25)"))
    return columns


def write_template(layer_name: str, out: str | Path | None = None) -> bytes:
    """Write the XLSX template of a layer to ``out`` (when given) and return its bytes.

    Written through the product's one safe writer (``gis.io.spreadsheet``).

    Raises
    ------
    DataSourceError
        When ``out`` is in a folder that does not exist or cannot be written (checked first).
    """
    if out is not None:
        check_output_file(out)
    layer = get_layer(layer_name)
    columns = template_columns(layer_name)
    example = EXAMPLES.get(layer_name, {})
    required = {f.name for f in layer.fields if f.required} | {"lon", "lat", "wkt"}
    buffer = io.BytesIO()
    book = open_workbook(buffer)
    try:
        ws = book.add_worksheet(layer.zh[:31])
        heads = {True: book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#C0392B",
                                        "align": "center"}),
                 False: book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#2E86C1",
                                         "align": "center"})}
        for j, (header, target, _) in enumerate(columns):
            write_cell(ws, 0, j, header, heads[target in required])
            write_cell(ws, 1, j, example.get(target, ""))
            ws.set_column(j, j, max(12, len(header) * 2 + 4))
            if target in ("lon", "lat", "wkt"):
                continue
            fld = layer.field(target)
            if fld.choices:
                options = [ENUM_LABELS_ZH.get(c, c) for c in fld.choices]
                ws.data_validation(1, j, 1999, j, {"validate": "list", "source": options,
                                                   "ignore_blank": not fld.required})
            elif fld.kind == "bool":
                ws.data_validation(1, j, 1999, j, {"validate": "list", "source": ["是", "否"],
                                                   "ignore_blank": True})
        ws.freeze_panes(1, 0)
        notes = book.add_worksheet("填写说明")
        rows = [["列名", "字段", "说明"], *[list(c) for c in columns], [],
                ["", "", "红色表头为必填列。第 2 行为示例，可直接改写。坐标为高德/腾讯(GCJ-02)或百度(BD-09)时，"
                         "导入时请选择相应坐标系。"]]
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                write_cell(notes, i, j, value)
        for j, width in enumerate((16, 20, 70)):
            notes.set_column(j, j, width)
    finally:
        book.close()
    data = buffer.getvalue()
    if out is not None:
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            msg = f"无法写入模板 {out}：{exc.strerror or exc} / cannot write the template {out}"
            raise DataSourceError(msg) from exc
    return data
