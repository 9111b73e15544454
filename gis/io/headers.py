"""Map the column headers planners use (Chinese or English) to layer fields.

The candidates come from ``gis.schema`` (each field's name and zh label) plus the
synonyms below; coordinates map to the pseudo-fields ``lon``/``lat`` (or ``coords``
for a single "经纬度" column holding ``lon,lat`` pairs, ``wkt`` for WKT text).
Headers are compared after folding full-width characters, lower-casing and dropping
spaces, required marks (``*``) and bracketed units (``在校人数（人）`` → ``在校人数``).
The mapping is shown to the planner and can be overridden column by column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from gis.errors import ValidationError
from gis.io.values import normalize_text
from gis.schema import GEOMETRY_KINDS, get_layer

IGNORE = ""
COORD_TARGETS = ("lon", "lat", "coords", "wkt")
COORD_LABELS = {"lon": "经度", "lat": "纬度", "coords": "经纬度", "wkt": "几何(WKT)"}

# Synonyms by field name (any layer that has the field uses them).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "id", "代码", "编码", "标识码", "学校代码", "学校标识码", "学校编号", "单位代码", "设备编号",
           "设备编码", "设备id", "摄像机编号", "点位编号", "岗位编号", "风险点编号", "道路编号", "code", "fid",
           "osm_id", "uid"),
    "name": ("名称", "name", "学校名称", "学校名", "校名", "单位名称", "机构名称", "派出所名称", "警务室名称",
             "点位名称", "道路名称", "路名", "全称"),
    "kind": ("类型", "kind", "type", "学校类型", "学段", "办学类型", "学校类别", "机构类型", "单位类型"),
    "enrollment": ("在校人数", "在校生数", "在校学生数", "学生数", "学生人数", "在园幼儿数", "幼儿数",
                   "enrollment", "students", "pupils"),
    "boarding": ("是否寄宿", "寄宿", "寄宿制", "是否寄宿制", "boarding"),
    "area_type": ("区域类型", "城乡类型", "城乡分类", "所在区域", "区域", "area_type", "area"),
    "jurisdiction_id": ("所属派出所", "辖区派出所", "管辖派出所", "派出所", "jurisdiction", "jurisdiction_id",
                        "police_station", "station"),
    "guards": ("专职保安人数", "专职保安", "保安人数", "保安", "guards", "guard"),
    "equipment_complete": ("装备齐全", "装备是否齐全", "安保装备", "装备", "equipment", "equipment_complete"),
    "video_networked": ("视频联网", "视频是否联网", "视频监控联网", "video_networked"),
    "one_click_alarm": ("一键报警", "一键式报警", "紧急报警", "one_click_alarm", "alarm"),
    "anti_ram_barrier": ("防冲撞设施", "防冲撞", "防冲撞装置", "升降柱", "anti_ram_barrier", "barrier"),
    # The seeds' checklist (DESIGN.md §3).
    "complex_area": ("治安状况复杂", "治安复杂", "是否治安复杂", "治安复杂地区", "复杂地区", "complex_area",
                     "complex"),
    "high_risk": ("重点守护校园", "重点守护", "重点校园", "高风险校园", "是否重点守护", "high_risk"),
    "gatekeepers": ("专职门卫人数", "专职门卫", "门卫人数", "门卫", "gatekeepers", "gatekeeper"),
    "guards_certified": ("保安持证上岗", "持证上岗", "保安持证", "持证保安", "保安是否持证",
                         "guards_certified", "certified"),
    "equipment_items": ("基本防护装备项数", "防护装备项数", "装备项数", "装备配备项数", "基本装备项数",
                        "8类装备", "八类装备", "equipment_items"),
    "intrusion_alarm": ("入侵报警", "入侵报警装置", "入侵报警系统", "周界报警", "intrusion_alarm"),
    "electronic_patrol": ("电子巡查", "电子巡查系统", "电子巡更", "巡更系统", "electronic_patrol"),
    "monitor_room_24h": ("监控室24小时值守", "监控室24小时有人值守", "监控室值守", "监控中心值守",
                         "monitor_room_24h", "monitor_room"),
    "night_duty_24h": ("24小时值班", "24小时有人值班", "二十四小时值班", "24小时值守", "夜间值班",
                       "night_duty_24h", "duty_24h"),
    "enclosed": ("封闭式管理", "封闭管理", "是否封闭", "围墙", "围墙完好", "enclosed"),
    "parent_waiting_zone": ("家长等候区", "家长接送等候区", "接送等候区", "家长接送区", "parent_waiting_zone"),
    "legal_vice_principal": ("法制副校长", "是否配备法制副校长", "法治副校长", "legal_vice_principal"),
    "officer_name": ("校园负责民警", "负责民警", "包校民警", "联系民警", "责任民警", "officer_name", "officer"),
    "officer_phone": ("负责民警电话", "民警电话", "民警联系电话", "包校民警电话", "责任民警电话",
                      "officer_phone"),
    "armed": ("携枪警力", "携枪", "是否携枪", "武装警力", "携带武器", "armed"),
    "staff": ("警力", "民警人数", "值守人数", "人数", "警力数", "staff"),
    "vehicles": ("车辆数", "警车", "警车数", "车辆", "vehicles"),
    "hours": ("值守时间", "工作时间", "办公时间", "hours"),
    "direction_deg": ("方向角", "方向", "朝向", "方位角", "拍摄方向", "direction", "direction_deg", "azimuth",
                      "heading", "bearing"),
    "fov_deg": ("视角", "视场角", "水平视角", "视野", "fov", "fov_deg", "angle"),
    "range_m": ("监控距离", "可视距离", "监控半径", "距离", "覆盖距离", "range", "range_m", "distance"),
    "networked": ("是否联网", "联网", "联网状态", "networked"),
    "status": ("状态", "运行状态", "设备状态", "status"),
    "owner": ("权属", "所属单位", "产权", "建设单位", "归属", "owner"),
    "school_id": ("所属学校", "学校编号", "学校代码", "学校", "school_id", "school"),
    "am_window": ("早高峰时段", "早高峰", "上学时段", "早间时段", "am_window", "am"),
    "noon_window": ("午间时段", "午间", "中午时段", "noon_window", "noon"),
    "pm_window": ("晚高峰时段", "晚高峰", "放学时段", "下午时段", "pm_window", "pm"),
    "staffed_by": ("值守力量", "值守人员", "值守类型", "执勤力量", "staffed_by"),
    "category": ("类别", "类型", "风险类别", "category", "type"),
    "level": ("风险等级", "等级", "级别", "level"),
    "note": ("备注", "说明", "情况说明", "note", "notes", "remark", "remarks"),
    "sensitive": ("涉及个人信息", "敏感", "是否敏感", "涉密", "sensitive"),
    "registered_at": ("登记时间", "登记日期", "录入时间", "registered_at", "date"),
    "highway": ("道路等级", "道路类型", "等级", "highway", "class", "fclass", "road_class"),
    "oneway": ("单行", "是否单行", "单行道", "oneway"),
    "maxspeed": ("限速", "最高限速", "maxspeed", "speed"),
}

COORD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "lon": ("经度", "lng", "lon", "long", "longitude", "x", "东经", "x坐标", "横坐标", "东坐标", "校门经度",
            "gate_lon", "point_x", "easting"),
    "lat": ("纬度", "lat", "latitude", "y", "北纬", "y坐标", "纵坐标", "北坐标", "校门纬度", "gate_lat",
            "point_y", "northing"),
    "coords": ("经纬度", "坐标", "位置", "校门坐标", "校门", "coordinates", "coords", "lonlat", "location"),
    "wkt": ("wkt", "geometry", "geom", "几何", "几何(wkt)", "the_geom", "shape"),
}

# Layer-specific preferences where one word means different fields.
LAYER_OVERRIDES: dict[str, dict[str, str]] = {
    "risk_sites": {"类型": "category", "type": "category"},
    "crossings": {"人数": "staff"},
    # -- issue 14: the campaign's records (a school's code is school_id here, never the row id)
    "inspections": {"编号": "id", "检查编号": "id", "记录编号": "id", "学校编号": "school_id",
                    "学校代码": "school_id", "学校": "school_id", "学校标识码": "school_id",
                    "检查日期": "date", "检查时间": "date", "日期": "date", "类型": "kind",
                    "检查类型": "kind", "检查方式": "kind", "检查单位": "unit", "单位": "unit",
                    "检查人": "inspector", "检查人员": "inspector", "检查民警": "inspector",
                    "检查情况": "findings", "发现问题": "findings", "存在问题": "findings",
                    "不合格项": "failed_items", "不合格项目": "failed_items", "未达标项目": "failed_items"},
    "notices": {"编号": "id", "通知书编号": "id", "文号": "id", "学校编号": "school_id",
                "学校代码": "school_id", "学校": "school_id", "风险点编号": "risk_site_id",
                "下发日期": "issued_on", "下达日期": "issued_on", "发出日期": "issued_on",
                "签发日期": "issued_on", "整改期限": "deadline", "期限": "deadline",
                "整改时限": "deadline", "截止日期": "deadline", "限期": "deadline",
                "整改事项": "items", "隐患": "items", "隐患内容": "items", "存在问题": "items",
                "状态": "status", "整改状态": "status", "复查日期": "closed_on", "销号日期": "closed_on",
                "验收日期": "closed_on", "复查人": "reviewed_by", "验收人": "reviewed_by",
                "挂牌督办": "escalated", "是否挂牌督办": "escalated", "问题来源": "origin", "来源": "origin"},
    "visits": {"编号": "id", "记录编号": "id", "学校编号": "school_id", "学校代码": "school_id",
               "学校": "school_id", "警务室": "post_id", "警务室编号": "post_id", "民警": "officer",
               "到校民警": "officer", "警员": "officer", "到校日期": "date", "日期": "date",
               "到校时间": "date"},
    "drills": {"编号": "id", "演练编号": "id", "学校编号": "school_id", "学校代码": "school_id",
               "学校": "school_id", "演练日期": "date", "日期": "date", "类型": "kind",
               "演练类型": "kind", "报警时间": "alarm_time", "时间": "alarm_time",
               "民警到场用时": "police_arrival_s", "到场用时": "police_arrival_s",
               "出警到场用时": "police_arrival_s", "到场时间": "police_arrival_s", "备注": "notes"},
}


def normalize_header(header: object) -> str:
    """Fold a header for comparison: full-width → ASCII, lower case, no spaces/marks/units."""
    text = normalize_text(header).lower()
    text = re.sub(r"[\(\[（【].*?[\)\]）】]", "", text)
    return re.sub(r"[\s*＊:：_\-]+", "", text)


def candidates_for(layer_name: str) -> dict[str, str]:
    """Normalised header → target (field name or coordinate pseudo-field) for one layer."""
    layer = get_layer(layer_name)
    table: dict[str, str] = {}
    for key, target in LAYER_OVERRIDES.get(layer_name, {}).items():
        table[normalize_header(key)] = target
    for fld in layer.fields:
        if fld.kind in GEOMETRY_KINDS:
            continue
        for key in (fld.name, fld.zh, *FIELD_SYNONYMS.get(fld.name, ())):
            table.setdefault(normalize_header(key), fld.name)
    for target, keys in COORD_SYNONYMS.items():
        for key in keys:
            table.setdefault(normalize_header(key), target)
    for fld in layer.geometry_fields:
        table.setdefault(normalize_header(fld.zh), "coords" if fld.kind in ("point", "multipoint") else "wkt")
    return table


def target_choices(layer_name: str) -> list[str]:
    """Every target a column may be mapped to (for the editable mapping table)."""
    layer = get_layer(layer_name)
    fields = [f.name for f in layer.fields if f.kind not in GEOMETRY_KINDS]
    return [IGNORE, *fields, *COORD_TARGETS]


def target_label(layer_name: str, target: str) -> str:
    """The zh label of a target, for display (``name`` → ``学校名称``)."""
    if not target:
        return "（不导入）"
    if target in COORD_LABELS:
        return COORD_LABELS[target]
    return get_layer(layer_name).field(target).zh


def match_headers(headers: Iterable[object], layer_name: str,
                  overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map each column header to a target; unknown columns map to ``""`` (ignored).

    Parameters
    ----------
    headers : iterable
        The column headers as read.
    layer_name : str
    overrides : mapping, optional
        ``{column: target}`` chosen by the planner (``--map 列名=field``); a target of
        ``""`` or ``-`` ignores the column. Overrides win over the automatic match.

    Raises
    ------
    ValidationError
        When an override names an unknown column or target.
    """
    headers = [str(h) for h in headers]
    table = candidates_for(layer_name)
    allowed = set(target_choices(layer_name))
    overrides = dict(overrides or {})
    for column, target in overrides.items():
        if column not in headers:
            msg = (f"映射中的列“{column}”不在文件中（文件列：{'、'.join(headers)}） / "
                   f"mapped column {column!r} is not in the file")
            raise ValidationError(msg)
        target = "" if target in ("-", "none", "ignore") else target
        if target not in allowed:
            msg = (f"“{column}”不能映射到“{target}”，可选：{', '.join(t for t in allowed if t)} / "
                   f"unknown target field {target!r} for column {column!r}")
            raise ValidationError(msg)
        overrides[column] = target
    chosen: dict[str, list[str]] = {}
    for column, target in overrides.items():
        if target:
            chosen.setdefault(target, []).append(column)
    clashes = {t: cs for t, cs in chosen.items() if len(cs) > 1}
    if clashes:
        target, columns = next(iter(clashes.items()))
        msg = (f"列 {'、'.join(columns)} 都映射到了字段“{target}”，一个字段只能对应一列；请只保留一个 / "
               f"columns {', '.join(columns)} are all mapped to {target!r}: map one column per field")
        raise ValidationError(msg)
    mapping: dict[str, str] = {}
    taken = {t for t in overrides.values() if t}
    for header in headers:
        if header in overrides:
            mapping[header] = overrides[header]
            continue
        target = table.get(normalize_header(header), IGNORE)
        if target and target in taken:
            target = IGNORE
        mapping[header] = target
        if target:
            taken.add(target)
    return mapping


def parse_mapping_args(items: Iterable[str] | None) -> dict[str, str]:
    """``["学校全称=name", "X=lon"]`` → ``{"学校全称": "name", "X": "lon"}``."""
    result: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            msg = f"--map 需要 列名=字段 的形式，收到 {item!r} / --map expects COLUMN=FIELD, got {item!r}"
            raise ValidationError(msg)
        column, target = item.rsplit("=", 1)
        column = column.strip()
        if column in result and result[column] != target.strip():
            msg = (f"--map 对列“{column}”给了两次（{result[column]} 和 {target.strip()}）；请只给一次 / "
                   f"--map names column {column!r} twice: give it once")
            raise ValidationError(msg)
        result[column] = target.strip()
    return result


def header_score(cells: Iterable[object], layer_name: str) -> int:
    """How many cells of a row look like headers of this layer (to find the header row)."""
    table = candidates_for(layer_name)
    return sum(1 for c in cells if normalize_header(c) in table)
