"""What an import found: ``Rejection``, ``Dangling``, ``ImportPreview``, ``ImportOutcome``.

A ``Rejection`` names the source row as the planner sees it, the field, the problem and
the fix in zh and en; ``ImportPreview`` holds the mapping, the accepted rows and every
rejection before anything is written (``gis.io.importer.prepare_import``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis.io.china_crs import CoordSystem
from gis.io.headers import target_label
from gis.io.tables import RawTable

CRS_WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Rejection:
    """Why one source row was rejected.

    Attributes
    ----------
    row : int
        Row number in the source file as the planner sees it (Excel row / CSV line /
        feature number).
    field : str
        The layer field (or ``lon``/``lat``/``geometry``/``id``) at fault.
    zh, en : str
        Problem and fix.
    """

    row: int
    field: str
    zh: str
    en: str

    def text(self, layer_name: str | None = None) -> str:
        label = _label(layer_name, self.field) if layer_name else self.field
        return f"第 {self.row} 行 {label}（{self.field}）：{self.zh} / row {self.row}, {self.field}: {self.en}"


@dataclass(frozen=True)
class Dangling:
    """An accepted row whose reference (``jurisdiction_id``, ``school_id``) points at nothing."""

    row: int
    field: str
    value: str
    target: str

    def text(self) -> str:
        label = REFERENCE_LABELS.get(self.target, self.target)
        return (f"第 {self.row} 行 {self.field}=“{self.value}”：{label}中没有此编号（已导入，请核对或先导入{label}） / "
                f"row {self.row}: {self.field} {self.value!r} matches no {self.target} id (imported; check it "
                f"or import {self.target} first)")


# Reference fields: layer → field → the layer whose ids it must name.
REFERENCES: dict[str, dict[str, str]] = {"schools": {"jurisdiction_id": "police_posts"},
                                         "crossings": {"school_id": "schools"}}
REFERENCE_LABELS = {"police_posts": "警务点", "schools": "学校"}


@dataclass
class ImportPreview:
    """Everything ``prepare_import`` found, before anything is written.

    Attributes
    ----------
    records : GeoDataFrame
        Accepted rows: ``id``, the mapped fields and the geometry fields, EPSG:4326, index =
        source row number.
    rejections : dict
        Source row number → list of ``Rejection``.
    new_ids, existing_ids : list of str
        Accepted ids not yet / already in the database (the latter are updates or unchanged).
    """

    layer: str
    table: RawTable
    mapping: dict[str, str]
    crs: CoordSystem
    records: gpd.GeoDataFrame
    rejections: dict[int, list[Rejection]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    existing_ids: list[str] = field(default_factory=list)
    dangling: list[Dangling] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.table.frame)

    @property
    def accepted(self) -> int:
        return len(self.records)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def reasons(self) -> pd.DataFrame:
        """One line per problem: row, field, zh, en."""
        lines = [{"row": r.row, "field": r.field, "label": _label(self.layer, r.field), "zh": r.zh, "en": r.en}
                 for rows in self.rejections.values() for r in rows]
        return pd.DataFrame(lines, columns=["row", "field", "label", "zh", "en"])

    def mapping_frame(self) -> pd.DataFrame:
        """Column → target → label, for showing the mapping."""
        return pd.DataFrame([{"column": c, "target": t, "label": _label(self.layer, t)}
                             for c, t in self.mapping.items()], columns=["column", "target", "label"])


@dataclass(frozen=True)
class ImportOutcome:
    """What ``commit_import`` did."""

    inserted: list[str]
    updated: list[str]
    unchanged: list[str]
    rejected: int
    committed: bool
    quarantine: Path | None = None
    quarantine_note: str = ""


def _label(layer_name: str | None, target: str) -> str:
    if target in ("geometry", "row"):
        return {"geometry": "几何", "row": "整行"}[target]
    try:
        return target_label(layer_name, target) if layer_name else target
    except KeyError:
        return target


def _rows_text(rows: list, limit: int = 12) -> str:
    text = "、".join(str(r) for r in rows[:limit])
    return text + (f" 等 {len(rows)} 行" if len(rows) > limit else "")
