"""The campaign's work cycle: inspections, rectification notices, visits, drills, monthly figures.

>>> config = CycleConfig.from_settings(settings)          # [cycle]: terms, due counts, report day
>>> table = school_cycle(schools, records, as_of=day, config=config, posts=posts)   # per school
>>> per_station = jurisdiction_cycle(table, records, as_of=day, config=config)     # per 派出所
>>> figures = monthly_figures(layers, records, month="2025-10", config=config, assessment=a)
>>> store_snapshot(store, figures)                         # next month's report shows the change

``records`` is a mapping ``inspections/notices/visits/drills`` → frames read from the store
(``store.read_layer(name)``). Import: :func:`gis.cycle.importer.prepare_record_import` then
``gis.io.importer.commit_import``. Demo: :mod:`gis.cycle.demo`. Drills measured vs computed:
:mod:`gis.cycle.drills`.
"""

from gis.cycle.config import CycleConfig, Semester, parse_month
from gis.cycle.monthly import (
    COUNTY,
    INDICATOR_ZH,
    INDICATORS,
    MonthlyFigures,
    monthly_figures,
    read_previous,
    report_reminder,
    snapshot_rows,
    store_snapshot,
    trend,
)
from gis.cycle.rules import (
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
    jurisdiction_cycle,
    notice_states,
    school_cycle,
)

__all__ = [
    "COUNTY", "INDICATORS", "INDICATOR_ZH", "STATUSES", "STATUS_EN", "STATUS_ZH", "CycleConfig",
    "MonthlyFigures", "Semester", "jurisdiction_cycle", "monthly_figures", "notice_states",
    "parse_month", "read_previous", "read_records", "report_reminder", "school_cycle",
    "snapshot_rows", "store_snapshot", "trend",
]

RECORD_TABLES = ("inspections", "notices", "visits", "drills")


def read_records(store) -> dict:
    """The four work records as stored (``inspections, notices, visits, drills``)."""
    return {name: store.read_layer(name) for name in RECORD_TABLES}
