"""Import the campaign's records (inspections, notices, visits, drills) from Excel/CSV.

Same contract as the layers (``gis.io.importer``): the file is read with the shared table
readers and Chinese header synonyms, every cell parsed by the shared parsers, and each bad
row quarantined with a zh/en reason naming its row and field; the valid rows are written in
one transaction through the store (upsert by id, versioned and audited). Record rules on
top of the cell checks: the school (or risk site) must exist, a deadline may not precede
the issue date, no record may be dated in the future, a closed notice needs its review
date, an id may appear once per file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gis.errors import ValidationError
from gis.io.attributes import parse_attributes
from gis.io.china_crs import parse_crs
from gis.io.headers import COORD_TARGETS, match_headers
from gis.io.importer import apply_store_checks
from gis.io.preview import ImportPreview, Rejection
from gis.io.safe_zip import ZipLimits
from gis.io.tables import read_table
from gis.schema import IMPORTABLE_RECORDS, get_layer

DATE_FIELDS = {"inspections": ("date",), "notices": ("issued_on", "closed_on"), "visits": ("date",),
               "drills": ("date",)}
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


def _reject(rejections: dict[int, list[Rejection]], row: int, name: str, zh: str, en: str) -> None:
    rejections.setdefault(row, []).append(Rejection(row, name, zh, en))


def check_record(name: str, values: dict[str, Any], row: int, *, school_ids: set[str],
                 risk_site_ids: set[str], today: dt.date) -> list[Rejection]:
    """The record rules of one parsed row (cells already valid); returns its problems."""
    problems: list[Rejection] = []
    sid = values.get("school_id")
    if name == "notices" and sid is None and values.get("risk_site_id") is None:
        problems.append(Rejection(row, "school_id", "通知书须对应一所学校或一个风险点；请填写学校编号",
                                  "a notice needs a school or a risk site; fill in the school id"))
    if sid is not None and sid not in school_ids:
        problems.append(Rejection(row, "school_id", f"学校编号“{sid}”不存在；请先导入该学校或改正编号",
                                  f"school {sid!r} does not exist; import the school first or correct the id"))
    rid = values.get("risk_site_id")
    if rid is not None and rid not in risk_site_ids:
        problems.append(Rejection(row, "risk_site_id", f"风险点编号“{rid}”不存在；请改正编号",
                                  f"risk site {rid!r} does not exist; correct the id"))
    for field_name in (*DATE_FIELDS.get(name, ()), "deadline" if name == "notices" else ""):
        day = values.get(field_name)
        if field_name and field_name != "deadline" and day is not None and day > today:
            problems.append(Rejection(row, field_name, f"日期 {day.isoformat()} 晚于今天 {today.isoformat()}；"
                                      "不能登记未来的记录，请改正日期",
                                      f"{day.isoformat()} is in the future (today is {today.isoformat()}); "
                                      "correct the date"))
    if name == "notices":
        issued, deadline, closed_on = values.get("issued_on"), values.get("deadline"), values.get("closed_on")
        if issued is not None and deadline is not None and deadline < issued:
            problems.append(Rejection(row, "deadline", f"整改期限 {deadline.isoformat()} 早于下发日期 "
                                      f"{issued.isoformat()}；请改正期限",
                                      f"the deadline {deadline.isoformat()} is before the issue date "
                                      f"{issued.isoformat()}; correct the deadline"))
        if issued is not None and closed_on is not None and closed_on < issued:
            problems.append(Rejection(row, "closed_on", "复查日期早于下发日期；请改正",
                                      "the review date is before the issue date; correct it"))
        if values.get("status") == "closed" and closed_on is None:
            problems.append(Rejection(row, "closed_on", "状态为已销号但没有复查日期；请填写复查日期",
                                      "status is closed but the review date is empty; fill it in"))
    if (name == "drills" and values.get("alarm_time") is not None
            and not CLOCK.match(str(values["alarm_time"]).strip())):
        problems.append(Rejection(row, "alarm_time", f"报警时间“{values['alarm_time']}”应写成 HH:MM",
                                  "the alarm time must be HH:MM"))
    return problems


def normalise_record(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """Fill what follows from a valid row (a notice with a review date is closed)."""
    if name == "notices":
        if values.get("closed_on") is not None and values.get("status") in (None, "open", "rectifying"):
            values["status"] = "closed"
        values.setdefault("status", "open")
        if values.get("status") is None:
            values["status"] = "open"
    if name == "drills" and values.get("alarm_time") is not None:
        hh, mm = CLOCK.match(str(values["alarm_time"]).strip()).groups()
        values["alarm_time"] = f"{int(hh):02d}:{mm}"
    return values


def prepare_record_import(name: str, path: str | Path, *, school_ids: Iterable[str],
                          risk_site_ids: Iterable[str] = (), existing: pd.DataFrame | None = None,
                          today: dt.date | None = None, mapping: Mapping[str, str] | None = None,
                          sheet: str | None = None, limits: ZipLimits | None = None) -> ImportPreview:
    """Read and validate a file of records without writing anything.

    Parameters
    ----------
    name : str
        One of ``gis.schema.IMPORTABLE_RECORDS``.
    path : path
        CSV (any common Chinese encoding) or XLSX.
    school_ids, risk_site_ids : iterable of str
        The stored schools and risk sites (a record naming another one is rejected).
    existing : DataFrame, optional
        The stored records (ids there are reported as updates).
    today : datetime.date, optional
        Records dated after it are rejected (default: today).

    Returns
    -------
    ImportPreview
        ``records`` is a plain DataFrame indexed by source row; commit it with
        :func:`gis.io.importer.commit_import` (quarantine and exit-3 contract unchanged).
    """
    if name not in IMPORTABLE_RECORDS:
        msg = (f"不能导入 {name!r}；可导入的记录：{', '.join(IMPORTABLE_RECORDS)} / "
               f"cannot import {name!r}; records: {', '.join(IMPORTABLE_RECORDS)}")
        raise ValidationError(msg)
    layer = get_layer(name)
    today = today or dt.date.today()
    table = read_table(Path(path), layer_name=name, sheet=sheet, limits=limits)
    if table.family not in ("csv", "xlsx"):
        msg = f"记录只能从 Excel 或 CSV 导入 / records are imported from Excel or CSV, not {Path(path).name}"
        raise ValidationError(msg)
    column_map = {c: ("" if t in COORD_TARGETS else t)
                  for c, t in match_headers(table.frame.columns, name, mapping).items()}
    targets = set(column_map.values())
    missing = [f"{f.zh}({f.name})" for f in layer.fields if f.required and f.name not in targets]
    if missing:
        columns = "、".join(str(c) for c in table.frame.columns)
        msg = (f"文件缺少必填列：{'、'.join(missing)}。文件中的列：{columns}。请补上这些列，或用 --map 列名=字段 "
               f"指定对应关系 / missing required columns: {', '.join(missing)}; add them or map a column "
               f"with --map COLUMN=FIELD")
        raise ValidationError(msg)
    field_columns = {t: c for c, t in column_map.items() if t}
    positions = {t: table.frame.columns.get_loc(c) for t, c in field_columns.items()}
    schools, sites = {str(s) for s in school_ids}, {str(s) for s in risk_site_ids}
    rejections: dict[int, list[Rejection]] = {}
    parsed: dict[int, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for row, cells in zip(table.frame.index, table.frame.itertuples(index=False, name=None), strict=True):
        row = int(row)
        raw = {t: cells[i] for t, i in positions.items()}
        try:
            values, problems = parse_attributes(layer, raw, row)
            if not problems:
                problems = check_record(name, values, row, school_ids=schools, risk_site_ids=sites,
                                        today=today)
        except Exception as exc:  # noqa: BLE001 - never crash on a cell: quarantine the row instead
            kind = type(exc).__name__     # not the message: it could quote a restricted cell
            values, problems = {}, [Rejection(row, "row", f"无法解析此行（{kind}）；请检查各单元格",
                                              f"cannot parse this row ({kind}); check its cells")]
        rid = values.get("id")
        if rid is not None and rid in first_row:
            problems.append(Rejection(row, "id", f"编号“{rid}”与第 {first_row[rid]} 行重复；请改用唯一编号",
                                      f"id {rid!r} repeats row {first_row[rid]}; give each row its own id"))
        elif rid is not None:
            first_row[rid] = row
        if problems:
            rejections[row] = problems
        else:
            parsed[row] = normalise_record(name, values)
    columns = ["id"] + [f.name for f in layer.fields if f.name != "id" and
                        (f.name in field_columns or (name == "notices" and f.name == "status"))]
    rows = sorted(parsed)
    records = pd.DataFrame({c: [parsed[r].get(c) for r in rows] for c in columns},
                           index=pd.Index(rows, name="row"), dtype=object)
    records = apply_store_checks(layer, records, rejections)    # what the store would refuse, per row
    known = set() if existing is None or "id" not in existing else set(existing["id"].astype(str))
    ids = list(records["id"])
    preview = ImportPreview(layer=name, table=table, mapping=column_map, crs=parse_crs("wgs84"),
                            records=records, rejections=dict(sorted(rejections.items())),
                            new_ids=[i for i in ids if i not in known],
                            existing_ids=[i for i in ids if i in known])
    if table.blank_rows:
        preview.warnings.append(f"跳过空行 {table.blank_rows} 行 / {table.blank_rows} blank rows skipped")
    return preview
