"""Parse the attribute cells of one source row into schema values, or rejections.

``parse_cell`` parses one cell for a field (kinds of ``gis.schema``); ``parse_attributes``
parses a row, infers a school's kind from its name and names every empty required field.
A restricted field's value is never echoed in a message.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from gis.io import values as V
from gis.io.preview import Rejection
from gis.schema import Field, Layer, get_layer

# -- parsing one row --------------------------------------------------------------------

def _split(message: str) -> tuple[str, str]:
    zh, sep, en = str(message).partition(" / ")
    return (zh, en) if sep else (zh, zh)


def parse_cell(fld: Field, value: Any) -> Any:
    """Parse one cell for ``fld`` (kinds of ``gis.schema``); raises ``ValueError``."""
    V.check_scalar(value)
    if fld.name == "id":
        return V.parse_id(value)
    if fld.name == "level":
        number = V.parse_level(value)
    elif fld.kind == "text":
        return V.parse_text(value)
    elif fld.kind == "int":
        number = V.parse_int(value)
    elif fld.kind == "float":
        number = V.parse_number(value)
    elif fld.kind == "bool":
        return V.parse_bool(value)
    elif fld.kind == "enum":
        return V.parse_enum(value, fld.choices)
    elif fld.kind == "window":
        return V.parse_window(value)
    elif fld.kind == "datetime":
        return V.parse_datetime(value)
    elif fld.kind == "date":   # a calendar day (the campaign's records)
        text = V.parse_datetime(value)
        return None if text is None else dt.date.fromisoformat(text[:10])
    else:
        msg = f"字段类型 {fld.kind} 不能从单元格读取 / field kind {fld.kind} is not a cell"
        raise ValueError(msg)
    if number is not None and ((fld.low is not None and number < fld.low)
                               or (fld.high is not None and number > fld.high)):
        msg = (f"{number:g} 超出范围，应在 {fld.low:g}–{fld.high:g} 之间 / "
               f"{number:g} is out of range: use a value between {fld.low:g} and {fld.high:g}")
        raise ValueError(msg)
    return number


@functools.lru_cache(maxsize=16)
def _fields_by_name(layer_name: str) -> dict[str, Field]:
    return {f.name: f for f in get_layer(layer_name).fields}


@functools.lru_cache(maxsize=16)
def _required_fields(layer_name: str) -> tuple[Field, ...]:
    return tuple(f for f in get_layer(layer_name).attribute_fields if f.required)


def parse_attributes(layer: Layer, cells: Mapping[str, Any], row: int) -> tuple[dict[str, Any], list[Rejection]]:
    """Parse the attribute cells of one row (``{field: raw}``); return values and problems."""
    values: dict[str, Any] = {}
    problems: list[Rejection] = []
    fields = _fields_by_name(layer.name)
    for name, raw in cells.items():
        fld = fields[name]
        try:
            values[name] = parse_cell(fld, raw)
        except (ValueError, TypeError, ArithmeticError) as exc:
            if fld.sensitive:      # never echo a restricted field's value
                zh, en = "（受限字段）取值无效", "(restricted field) invalid value"
            else:
                zh, en = _split(str(exc))
            problems.append(Rejection(row, name, f"{zh}；请改正该单元格", f"{en}; correct the cell"))
    if layer.name == "schools" and values.get("kind") is None and "kind" not in {p.field for p in problems}:
        guess = V.infer_school_kind(values.get("name"))
        if guess:
            values["kind"] = guess
            values["_kind_inferred"] = True
    for fld in _required_fields(layer.name):
        if values.get(fld.name) is None and fld.name not in {p.field for p in problems}:
            problems.append(Rejection(row, fld.name, f"必填项“{fld.zh}”为空；请填写",
                                      f"required field {fld.name} is empty; fill it in"))
    return values, problems
