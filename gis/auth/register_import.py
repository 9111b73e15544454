"""Import the high-risk persons register (``risk_persons``) from Excel/CSV — restricted.

Same contract as every layer (``gis.io.importer``): Chinese headers map themselves
(the template of ``python -m gis import risk_persons --template OUT.xlsx``), each bad row
is quarantined with a reason naming its row and field, the valid rows are written in one
transaction (upsert by id, versioned, audited with every value as ``(restricted)``).

On top of that, for a restricted table:

- only a principal who may ``import`` ``risk_persons`` (the ``cleared`` role, or the
  system) may even read the file: :func:`prepare_register_import` checks it first;
- no message, reason or warning ever quotes a cell of a restricted field (category,
  measure, officer, dates, location …): every reason is rebuilt from the field's name and
  kind by :func:`safe_reason` (a whitelist, not a filter), so a value in the file cannot
  reach the terminal, the quarantine file's reason column, the logs or the audit trail;
- register rules: a responsible officer (责任民警) is required, the last contact may not
  lie in the future and the next review may not precede the last contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from gis.auth.policy import require
from gis.auth.principal import SYSTEM, Principal
from gis.errors import AccessDeniedError
from gis.io.importer import prepare_import
from gis.io.preview import ImportPreview, Rejection
from gis.io.safe_zip import ZipLimits
from gis.schema import ENUM_LABELS_ZH, get_layer

LAYER = "risk_persons"
COORD_FIELDS = frozenset({"lon", "lat", "coords", "wkt", "geometry", "point"})
HIDDEN = ("（受限字段，不显示取值）", "(restricted field: value not shown)")


def _hint(field: str) -> tuple[str, str]:
    """How to fix a bad cell of ``field``, without its value."""
    if field in COORD_FIELDS:
        return ("坐标无效、不在中国境内或离辖区太远；请核对经度、纬度与坐标系（--crs）",
                "invalid, outside China or far from the county; check longitude, latitude and --crs")
    fld = {f.name: f for f in get_layer(LAYER).fields}.get(field)
    if fld is None:
        return "取值无效；请改正该单元格", "invalid value; correct the cell"
    if fld.kind == "enum":
        zh = "、".join(ENUM_LABELS_ZH.get(c, c) for c in fld.choices)
        return f"不是可选值，可填：{zh}", f"not one of {', '.join(fld.choices)}"
    if fld.kind == "datetime":
        return "不是有效日期；请写成 YYYY-MM-DD", "not a valid date; write YYYY-MM-DD"
    if fld.name == "level":
        return "风险等级应为 1、2 或 3", "the level must be 1, 2 or 3"
    return "取值无效；请改正该单元格", "invalid value; correct the cell"


def safe_reason(problem: Rejection) -> Rejection:
    """The same problem said without any cell value (ids and row numbers stay).

    Messages that name no value (a required field left empty, a repeated id, an unreadable
    row) are kept; every other reason is replaced by the field's own fix text.
    """
    if problem.field in ("id", "row") or problem.zh.startswith("必填项"):
        return problem
    zh, en = _hint(problem.field)
    return Rejection(problem.row, problem.field, f"{HIDDEN[0]}{zh}", f"{HIDDEN[1]} {en}")


def register_rules(values: Mapping[str, object], row: int, *, today: dt.date) -> list[Rejection]:
    """The register's own rules for one accepted row (messages name no value)."""
    problems = []
    officer = values.get("officer")
    if officer is None or not str(officer).strip():
        problems.append(Rejection(row, "officer", "必填项“责任民警”为空；每名人员须落实责任民警",
                                  "the responsible officer is empty; every person needs one"))
    last, review = _day(values.get("last_contact")), _day(values.get("next_review"))
    if last is not None and last > today:
        problems.append(Rejection(row, "last_contact", f"{HIDDEN[0]}最近见面日期晚于今天；请核对",
                                  f"{HIDDEN[1]} the last contact is in the future; check it"))
    if last is not None and review is not None and review < last:
        problems.append(Rejection(row, "next_review", f"{HIDDEN[0]}下次复核早于最近见面；请核对",
                                  f"{HIDDEN[1]} the next review precedes the last contact; check it"))
    return problems


def _day(value: object) -> dt.date | None:
    if value is None or value != value:   # None or NaN/NaT
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def prepare_register_import(path: str | Path, *, principal: Principal = SYSTEM,
                            crs: str = "wgs84", existing_ids: set[str] | None = None,
                            mapping: Mapping[str, str] | None = None, sheet: str | None = None,
                            limits: ZipLimits | None = None, extent_margin_m: float = 5000.0,
                            extent: tuple[float, float, float, float] | None = None,
                            today: dt.date | None = None) -> ImportPreview:
    """Read and check a register file for ``principal`` without writing anything.

    Parameters
    ----------
    path : path
        CSV (any common encoding) or XLSX, Chinese or English headers, 经度/纬度 of the
        area of activity.
    principal : Principal
        Who imports; must be allowed to ``import`` ``risk_persons`` (checked before the
        file is opened).
    existing_ids : set of str, optional
        Ids already in the register (reported as updates).
    extent : tuple, optional
        ``(minlon, minlat, maxlon, maxlat)`` of the county; points farther than
        ``extent_margin_m`` metres outside are rejected.
    today : datetime.date, optional
        Last contacts after it are rejected (default: today).

    Returns
    -------
    ImportPreview
        Every rejection's reason is value-free (:func:`safe_reason`).

    Raises
    ------
    AccessDeniedError
        The principal may not import the register.
    """
    require(principal, "import", LAYER)
    today = today or dt.date.today()
    preview = prepare_import(LAYER, path, crs=crs, mapping=mapping, extent=extent,
                             extent_margin_m=extent_margin_m, sheet=sheet, limits=limits)
    rejections = {row: [safe_reason(p) for p in problems] for row, problems in preview.rejections.items()}
    records = preview.records
    bad = []
    for row, values in records.iterrows():
        problems = register_rules(values.to_dict(), int(row), today=today)
        if problems:
            rejections.setdefault(int(row), []).extend(problems)
            bad.append(row)
    preview.records = records.drop(index=bad)
    preview.rejections = dict(sorted(rejections.items()))
    known = existing_ids or set()
    ids = [str(i) for i in preview.records["id"]] if len(preview.records) else []
    preview.new_ids = [i for i in ids if i not in known]
    preview.existing_ids = [i for i in ids if i in known]
    return preview


def register_ids(store, *, principal: Principal) -> set[str]:
    """Ids in the register, for an importer (no record is read; a refusal is audited)."""
    try:
        require(principal, "import", LAYER)
    except AccessDeniedError as exc:
        store.audit_event("import", principal=principal, obj=LAYER, layer=LAYER, result="denied",
                          detail=str(exc)[:500])
        raise
    table = store.tables[LAYER]
    with store.begin() as conn:
        return {str(r[0]) for r in conn.execute(table.select().with_only_columns(table.c.id))}
