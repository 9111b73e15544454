"""The six layers of DESIGN.md §3: their fields, types, enumerations and geometry columns.

This is the one definition shared by the store (tables), the importer (validation,
templates), the demo generator and the analyses. Every layer also carries the
bookkeeping fields ``source``, ``updated_at`` and ``version``.

GeoDataFrames of a layer are in EPSG:4326 and their *active* geometry column is the
layer's first geometry field (``gates`` for schools, ``point`` for posts, cameras,
crossings and risk sites, ``geom`` for roads). Extra geometry fields (``campus``,
``jurisdiction``, ``coverage``) are plain GeoSeries columns that may hold ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LAYER_NAMES = ("schools", "police_posts", "cameras", "crossings", "risk_sites", "roads")

SCHOOL_KINDS = ("kindergarten", "primary", "junior", "senior", "nine_year", "vocational", "special")
AREA_TYPES = ("urban", "town", "rural")
POST_KINDS = ("station", "office", "kiosk", "patrol_base")
POST_STATUSES = ("active", "planned")
CAMERA_STATUSES = ("ok", "broken")
CAMERA_OWNERS = ("school", "police", "shop")
STAFFED_BY = ("police", "auxiliary", "guard", "volunteer", "none")
RISK_CATEGORIES = ("internet_cafe", "entertainment", "stall", "person", "dispute", "drugs", "other")

# Chinese labels of enumerations, for display and for import synonyms.
ENUM_LABELS_ZH: dict[str, str] = {
    "kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "senior": "高中",
    "nine_year": "九年一贯制", "vocational": "职业学校", "special": "特殊教育学校",
    "urban": "城区", "town": "镇区", "rural": "乡村",
    "station": "派出所", "office": "警务室", "kiosk": "治安岗亭", "patrol_base": "巡逻点",
    "active": "在用", "planned": "规划",
    "ok": "正常", "broken": "故障",
    "school": "学校", "police": "公安", "shop": "商户",
    "auxiliary": "辅警", "guard": "保安", "volunteer": "志愿者", "none": "无人值守",
    "internet_cafe": "网吧", "entertainment": "娱乐场所", "stall": "占道摊点",
    "person": "涉校高危人员", "dispute": "矛盾纠纷", "drugs": "涉毒场所", "other": "其他",
}

BOOKKEEPING_FIELDS = ("source", "updated_at", "version")


@dataclass(frozen=True)
class Field:
    """One field of a layer.

    ``kind`` is one of ``text, int, float, bool, enum, window, datetime, point, multipoint,
    polygon, line``. ``required`` fields must be present on import; ``choices`` hold the
    allowed values of an enum; ``low``/``high`` bound numbers (inclusive).
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    zh: str = ""
    sensitive: bool = False


@dataclass(frozen=True)
class Layer:
    name: str
    zh: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def geometry_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind in GEOMETRY_KINDS)

    @property
    def geometry_column(self) -> str:
        """The active geometry column of the layer's GeoDataFrames."""
        return self.geometry_fields[0].name

    @property
    def attribute_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind not in GEOMETRY_KINDS)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        msg = f"图层 {self.name} 没有字段 {name} / layer {self.name} has no field {name}"
        raise KeyError(msg)


GEOMETRY_KINDS = ("point", "multipoint", "polygon", "line")

LAYERS: dict[str, Layer] = {
    "schools": Layer("schools", "学校", (
        Field("id", "text", required=True, zh="编号"),
        Field("name", "text", required=True, zh="学校名称"),
        Field("kind", "enum", required=True, choices=SCHOOL_KINDS, zh="学校类型"),
        Field("enrollment", "int", low=0, high=100000, zh="在校人数"),
        Field("boarding", "bool", zh="是否寄宿"),
        Field("area_type", "enum", choices=AREA_TYPES, zh="区域类型"),
        Field("jurisdiction_id", "text", zh="所属派出所"),
        Field("guards", "int", low=0, high=1000, zh="专职保安人数"),
        Field("equipment_complete", "bool", zh="装备齐全"),
        Field("video_networked", "bool", zh="视频联网"),
        Field("one_click_alarm", "bool", zh="一键报警"),
        Field("anti_ram_barrier", "bool", zh="防冲撞设施"),
        # The seeds' checklist (DESIGN.md §3; migration 006_school_checklist). Missing = 未填报.
        Field("complex_area", "bool", zh="治安状况复杂"),
        Field("high_risk", "bool", zh="重点守护校园"),
        Field("gatekeepers", "int", low=0, high=100, zh="专职门卫人数"),
        Field("guards_certified", "bool", zh="保安持证上岗"),
        Field("equipment_items", "int", low=0, high=8, zh="基本防护装备项数"),
        Field("intrusion_alarm", "bool", zh="入侵报警"),
        Field("electronic_patrol", "bool", zh="电子巡查"),
        Field("monitor_room_24h", "bool", zh="监控室24小时值守"),
        Field("night_duty_24h", "bool", zh="24小时值班"),
        Field("enclosed", "bool", zh="封闭式管理"),
        Field("parent_waiting_zone", "bool", zh="家长等候区"),
        Field("legal_vice_principal", "bool", zh="法制副校长"),
        Field("officer_name", "text", zh="校园负责民警"),
        Field("officer_phone", "text", zh="负责民警电话"),
        Field("gates", "multipoint", required=True, zh="校门"),
        Field("campus", "polygon", zh="校园范围"),
    )),
    "police_posts": Layer("police_posts", "警务点", (
        Field("id", "text", required=True, zh="编号"),
        Field("name", "text", required=True, zh="名称"),
        Field("kind", "enum", required=True, choices=POST_KINDS, zh="类型"),
        Field("staff", "int", low=0, high=10000, zh="警力"),
        Field("vehicles", "int", low=0, high=1000, zh="车辆数"),
        Field("hours", "text", zh="值守时间"),
        Field("status", "enum", choices=POST_STATUSES, zh="建设状态"),
        Field("point", "point", required=True, zh="位置"),
        Field("jurisdiction", "polygon", zh="辖区范围"),
    )),
    "cameras": Layer("cameras", "视频监控", (
        Field("id", "text", required=True, zh="编号"),
        Field("direction_deg", "float", low=0, high=360, zh="方向角"),
        Field("fov_deg", "float", low=1, high=360, zh="视角"),
        Field("range_m", "float", low=1, high=1000, zh="监控距离"),
        Field("networked", "bool", zh="是否联网"),
        Field("status", "enum", choices=CAMERA_STATUSES, zh="状态"),
        Field("owner", "enum", choices=CAMERA_OWNERS, zh="权属"),
        Field("point", "point", required=True, zh="位置"),
        Field("coverage", "polygon", zh="覆盖范围"),
    )),
    "crossings": Layer("crossings", "护学岗", (
        Field("id", "text", required=True, zh="编号"),
        Field("school_id", "text", zh="所属学校"),
        Field("am_window", "window", zh="早高峰时段"),
        Field("noon_window", "window", zh="午间时段"),
        Field("pm_window", "window", zh="晚高峰时段"),
        Field("staffed_by", "enum", choices=STAFFED_BY, zh="值守力量"),
        Field("staff", "int", low=0, high=100, zh="值守人数"),
        Field("armed", "bool", zh="携枪警力"),
        Field("point", "point", required=True, zh="位置"),
    )),
    "risk_sites": Layer("risk_sites", "风险点位", (
        Field("id", "text", required=True, zh="编号"),
        Field("category", "enum", required=True, choices=RISK_CATEGORIES, zh="类别"),
        Field("level", "int", required=True, low=1, high=3, zh="风险等级"),
        Field("note", "text", zh="备注", sensitive=True),
        Field("sensitive", "bool", zh="涉及个人信息"),
        Field("registered_at", "datetime", zh="登记时间"),
        Field("point", "point", required=True, zh="位置"),
    )),
    "roads": Layer("roads", "道路", (
        Field("id", "text", required=True, zh="编号"),
        Field("name", "text", zh="道路名称"),
        Field("highway", "text", required=True, zh="道路等级"),
        Field("oneway", "text", zh="单行"),
        Field("maxspeed", "text", zh="限速"),
        Field("geom", "line", required=True, zh="几何"),
    )),
}


def main_gate(gates):
    """The main gate of a school's ``gates`` geometry (the first point by convention).

    A lone Point is its own main gate; any other geometry gives its representative point;
    ``None`` or an empty geometry gives ``None``.
    """
    if gates is None or gates.is_empty:
        return None
    if gates.geom_type == "MultiPoint":
        return gates.geoms[0]
    if gates.geom_type == "Point":
        return gates
    return gates.representative_point()


SENSITIVE_CATEGORIES = ("person",)   # 涉校高危人员: personal details, restricted


def _flag_set(value: Any) -> bool:
    if value is None:
        return False
    try:
        if value != value:  # NaN / NA
            return False
    except (TypeError, ValueError):
        return False
    return bool(value)


def is_sensitive(row: Mapping[str, Any]) -> bool:
    """The one rule for a risk site with restricted details: category ``person`` or ``sensitive`` set.

    Used by the assessment, the map, patrol planning and the register alike (the SQL view
    ``risk_sites_public`` states the same rule in SQL).
    """
    return str(row.get("category")) in SENSITIVE_CATEGORIES or _flag_set(row.get("sensitive"))


def sensitive_mask(frame):
    """:func:`is_sensitive` for every row of a DataFrame (a boolean Series on its index)."""
    import pandas as pd

    if len(frame) == 0:
        return pd.Series([], index=frame.index, dtype=bool)
    cats = frame["category"] if "category" in frame.columns else pd.Series(None, index=frame.index)
    flags = frame["sensitive"] if "sensitive" in frame.columns else pd.Series(None, index=frame.index)
    return pd.Series([str(c) in SENSITIVE_CATEGORIES or _flag_set(f) for c, f in zip(cats, flags, strict=True)],
                     index=frame.index, dtype=bool)


def get_layer(name: str) -> Layer:
    """Return the layer (or record table) definition, or raise a planner-readable ``ValidationError``."""
    from gis.errors import ValidationError

    if name in RESTRICTED_LAYERS:
        return RESTRICTED_LAYERS[name]
    if name in LAYERS:
        return LAYERS[name]
    if name in RECORDS:
        return RECORDS[name]
    msg = (f"未知图层 {name!r}；可用图层：{', '.join(LAYER_NAMES)}；记录表：{', '.join(RECORD_NAMES)} / "
           f"unknown layer {name!r}")
    raise ValidationError(msg)


# -- issue 14: records of the campaign's work (DESIGN.md §3, no geometry of their own) ----------
# They are stored, versioned and audited like the layers (same Store API: read_layer,
# write_layer, delete_rows); kind ``date`` is a calendar day (DATE on PostGIS, ISO text on SQLite).

RECORD_NAMES = ("inspections", "notices", "visits", "drills", "snapshots")
IMPORTABLE_RECORDS = ("inspections", "notices", "visits", "drills")
INSPECTION_KINDS = ("station", "joint", "comprehensive", "self")
NOTICE_STATUSES = ("open", "rectifying", "closed")
DRILL_KINDS = ("evacuation", "alarm_test", "joint")

ENUM_LABELS_ZH.update({
    "joint": "联合督导", "comprehensive": "综治清查", "self": "学校自查",
    "open": "未整改", "rectifying": "整改中", "closed": "已复查销号",
    "evacuation": "疏散演练", "alarm_test": "一键报警测试",
})

RECORDS: dict[str, Layer] = {
    "inspections": Layer("inspections", "检查记录", (
        Field("id", "text", required=True, zh="检查编号"),
        Field("school_id", "text", required=True, zh="学校编号"),
        Field("date", "date", required=True, zh="检查日期"),
        Field("kind", "enum", required=True, choices=INSPECTION_KINDS, zh="检查类型"),
        Field("unit", "text", zh="检查单位"),
        Field("inspector", "text", zh="检查人"),
        Field("findings", "text", zh="检查情况"),
        Field("failed_items", "text", zh="不合格项目"),
    )),
    "notices": Layer("notices", "整改通知书", (
        Field("id", "text", required=True, zh="通知书编号"),
        Field("school_id", "text", zh="学校编号"),
        Field("risk_site_id", "text", zh="风险点编号"),
        Field("issued_on", "date", required=True, zh="下发日期"),
        Field("deadline", "date", required=True, zh="整改期限"),
        Field("items", "text", required=True, zh="整改事项"),
        Field("status", "enum", choices=NOTICE_STATUSES, zh="整改状态"),
        Field("closed_on", "date", zh="复查日期"),
        Field("reviewed_by", "text", zh="复查人"),
        Field("escalated", "bool", zh="挂牌督办"),
        Field("origin", "text", zh="问题来源"),
    )),
    "visits": Layer("visits", "警务室到校记录", (
        Field("id", "text", required=True, zh="记录编号"),
        Field("school_id", "text", required=True, zh="学校编号"),
        Field("post_id", "text", zh="警务室编号"),
        Field("officer", "text", zh="民警"),
        Field("date", "date", required=True, zh="到校日期"),
    )),
    "drills": Layer("drills", "演练记录", (
        Field("id", "text", required=True, zh="演练编号"),
        Field("school_id", "text", required=True, zh="学校编号"),
        Field("date", "date", required=True, zh="演练日期"),
        Field("kind", "enum", required=True, choices=DRILL_KINDS, zh="演练类型"),
        Field("alarm_time", "text", zh="报警时间"),
        Field("police_arrival_s", "float", low=0, high=86400, zh="民警到场用时(秒)"),
        Field("notes", "text", zh="备注"),
    )),
    "snapshots": Layer("snapshots", "月度快照", (
        Field("id", "text", required=True, zh="编号"),
        Field("month", "text", required=True, zh="月份"),
        Field("jurisdiction_id", "text", required=True, zh="派出所"),
        Field("schools", "int", low=0, zh="学校数"),
        Field("weak", "int", low=0, zh="薄弱校园"),
        Field("critical", "int", low=0, zh="严重薄弱"),
        Field("share_within_3min", "float", low=0, high=1, zh="3分钟可达率"),
        Field("mean_score", "float", low=0, high=100, zh="平均评分"),
        Field("inspections_required", "int", low=0, zh="应检查次数"),
        Field("inspections_done", "int", low=0, zh="已检查次数"),
        Field("inspections_month", "int", low=0, zh="本月检查次数"),
        Field("joint_month", "int", low=0, zh="本月联合督导"),
        Field("notices_opened", "int", low=0, zh="本月下发通知书"),
        Field("notices_closed", "int", low=0, zh="本月销号"),
        Field("notices_open", "int", low=0, zh="未销号通知书"),
        Field("notices_overdue", "int", low=0, zh="逾期通知书"),
        Field("notices_escalated", "int", low=0, zh="挂牌督办"),
        Field("visits", "int", low=0, zh="警务室到校次数"),
        Field("visits_required", "int", low=0, zh="应到校次数"),
        Field("drills", "int", low=0, zh="演练次数"),
        Field("figures", "text", zh="指标(JSON)"),
        Field("produced_at", "datetime", zh="生成时间"),
    )),
}


# -- the high-risk persons register (restricted; gis.auth.register, sql/007_auth.sql) -------
# Not one of the six map layers: only `cleared` accounts read its rows (gis.auth.policy);
# every field is logged as "(restricted)" in the audit trail.
RISK_PERSON_CATEGORIES = ("mental_illness", "revenge_threat", "destitute_debt", "drug_user",
                          "petitioner", "psych_imbalance", "idle", "unclassified")
RISK_PERSON_STATUSES = ("active", "stable", "released")
ENUM_LABELS_ZH.update({
    "mental_illness": "易肇事肇祸精神病人", "revenge_threat": "扬言报复",
    "destitute_debt": "生活无着/债务缠身", "drug_user": "吸毒人员", "petitioner": "重点上访",
    "psych_imbalance": "心理失衡", "idle": "闲散人员", "unclassified": "待分类",
    "active": "在控", "stable": "稳定", "released": "已解除",
})
RESTRICTED_LAYERS: dict[str, Layer] = {
    "risk_persons": Layer("risk_persons", "涉校高危人员", (
        Field("id", "text", required=True, zh="编号"),
        Field("category", "enum", required=True, choices=RISK_PERSON_CATEGORIES, zh="类别",
              sensitive=True),
        Field("level", "int", low=1, high=3, zh="风险等级", sensitive=True),
        Field("measure", "text", zh="稳控措施", sensitive=True),
        Field("officer", "text", zh="责任民警", sensitive=True),
        Field("last_contact", "datetime", zh="最近见面", sensitive=True),
        Field("next_review", "datetime", zh="下次复核", sensitive=True),
        Field("status", "enum", choices=RISK_PERSON_STATUSES, zh="状态", sensitive=True),
        Field("note", "text", zh="备注", sensitive=True),
        Field("point", "point", required=True, zh="活动区域", sensitive=True),
    )),
}
