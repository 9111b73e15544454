"""The seeds' checklist on the demo schools (治安状况复杂, 门卫, 8 类装备, 技防, 24 小时值班 …).

Called by :func:`gis.demo.build_demo_layers` on the generated records (before they become
frames). A separate random stream (``default_rng([seed, 11])``) keeps every other demo value
exactly as it was. The values are plausibly mixed: campuses the demo marks weak miss several
mandatory items, most others are in order with the odd gap, and a few fields are left blank
(未填报) the way planners' tables arrive. Everything is ``demo-generated``; the 民警 names are
placeholders (演示·…), not people.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STREAM = 11  # this module's random stream, next to the demo seed


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def add_checklist(schools: list[dict[str, Any]], crossings: list[dict[str, Any]], *, seed: int) -> None:
    """Fill the checklist fields of ``schools`` and ``armed`` of ``crossings`` in place.

    Parameters
    ----------
    schools : list of dict
        Demo school records with ``id``, ``kind``, ``enrollment``, ``boarding``, ``area_type``,
        ``equipment_complete`` and the private ``_weak`` mark.
    crossings : list of dict
        Demo crossing records with ``school_id`` and ``staffed_by``.
    seed : int
        The demo seed.
    """
    rng = np.random.default_rng([seed, STREAM])
    order = sorted(schools, key=lambda s: s["id"])
    # 重点守护: the two largest campuses (the seeds' "反恐防暴形势严峻" campuses are the big ones).
    by_size = sorted(order, key=lambda s: (-(s.get("enrollment") or 0), s["id"]))
    high_risk = {s["id"] for s in by_size[:2]}
    for k, school in enumerate(order):
        weak = bool(school.get("_weak"))
        town = school.get("area_type") != "urban"
        school["complex_area"] = _chance(rng, 0.3 if town else 0.1)
        school["high_risk"] = school["id"] in high_risk
        if weak:
            school["gatekeepers"] = int(rng.integers(0, 2))
            school["guards_certified"] = _chance(rng, 0.4)
            school["equipment_items"] = int(rng.integers(2, 7))
            school["intrusion_alarm"] = _chance(rng, 0.3)
            school["electronic_patrol"] = _chance(rng, 0.2)
            school["monitor_room_24h"] = _chance(rng, 0.3)
            school["night_duty_24h"] = _chance(rng, 0.4) if school.get("boarding") else None
            school["enclosed"] = _chance(rng, 0.6)
            school["parent_waiting_zone"] = _chance(rng, 0.2)
            school["legal_vice_principal"] = _chance(rng, 0.5)
        else:
            school["gatekeepers"] = int(rng.integers(1, 3)) if _chance(rng, 0.92) else 0
            school["guards_certified"] = _chance(rng, 0.9)
            school["equipment_items"] = 8 if school.get("equipment_complete") else int(rng.integers(5, 8))
            school["intrusion_alarm"] = _chance(rng, 0.85)
            school["electronic_patrol"] = _chance(rng, 0.7)
            school["monitor_room_24h"] = _chance(rng, 0.8)
            school["night_duty_24h"] = _chance(rng, 0.9) if school.get("boarding") else None
            school["enclosed"] = _chance(rng, 0.95)
            school["parent_waiting_zone"] = _chance(rng, 0.6)
            school["legal_vice_principal"] = _chance(rng, 0.9)
        if _chance(rng, 0.85):
            school["officer_name"] = f"演示·民警{k + 1:02d}"
            school["officer_phone"] = f"0701-55{k + 1:05d}"
        else:
            school["officer_name"] = school["officer_phone"] = None
    # Blanks (未填报), as in a real first return from the schools: one field each on a few campuses.
    blanks = ("gatekeepers", "equipment_items", "intrusion_alarm", "monitor_room_24h", "enclosed")
    for school, name in zip(rng.permutation(np.array(order, dtype=object))[:len(blanks)], blanks,
                            strict=False):
        school[name] = None
    for crossing in crossings:
        police = crossing.get("staffed_by") == "police"
        crossing["armed"] = bool(police and crossing.get("school_id") in high_risk and _chance(rng, 0.5))


def add_checklist_frames(schools, crossings, *, seed: int, weak: np.ndarray | None = None) -> None:
    """The same checklist, vectorised, on layer frames (the county-scale demo, ~1,000 schools).

    Parameters
    ----------
    schools, crossings : GeoDataFrame
        The demo layers (``enrollment``, ``boarding``, ``area_type``, ``equipment_complete``;
        crossings ``school_id``, ``staffed_by``); filled in place.
    seed : int
        The demo seed (this module's own stream).
    weak : array of bool, optional
        Campuses the demo made weak (they miss more items).
    """
    import pandas as pd

    rng = np.random.default_rng([seed, STREAM])
    n = len(schools)
    weak = np.zeros(n, dtype=bool) if weak is None else np.asarray(weak, dtype=bool)

    def chance(p_ok: float, p_weak: float):
        return pd.array(rng.random(n) < np.where(weak, p_weak, p_ok), dtype="boolean")

    town = schools["area_type"].astype(str).to_numpy() != "urban"
    schools["complex_area"] = pd.array(rng.random(n) < np.where(town, 0.3, 0.1), dtype="boolean")
    enrol = pd.to_numeric(schools["enrollment"], errors="coerce").fillna(0).to_numpy()
    top = np.argsort(-enrol, kind="stable")[:max(2, n // 50)]
    high = np.zeros(n, dtype=bool)
    high[top] = True
    schools["high_risk"] = pd.array(high, dtype="boolean")
    keepers = np.where(weak, rng.integers(0, 2, n), np.where(rng.random(n) < 0.92, rng.integers(1, 3, n), 0))
    schools["gatekeepers"] = pd.array(keepers, dtype="Int64")
    schools["guards_certified"] = chance(0.9, 0.4)
    complete = schools["equipment_complete"].fillna(False).astype(bool).to_numpy()
    items = np.where(complete, 8, np.where(weak, rng.integers(2, 7, n), rng.integers(5, 8, n)))
    schools["equipment_items"] = pd.array(items, dtype="Int64")
    schools["intrusion_alarm"] = chance(0.85, 0.3)
    schools["electronic_patrol"] = chance(0.7, 0.2)
    schools["monitor_room_24h"] = chance(0.8, 0.3)
    boarding = schools["boarding"].fillna(False).astype(bool).to_numpy()
    duty = chance(0.9, 0.4).to_numpy(dtype=object, na_value=None)
    schools["night_duty_24h"] = pd.array(np.where(boarding, duty, None), dtype="boolean")
    schools["enclosed"] = chance(0.95, 0.6)
    schools["parent_waiting_zone"] = chance(0.6, 0.2)
    schools["legal_vice_principal"] = chance(0.9, 0.5)
    officer = rng.random(n) < 0.85
    schools["officer_name"] = [f"演示·民警{k + 1:04d}" if o else None for k, o in enumerate(officer)]
    schools["officer_phone"] = [f"0701-5{k + 1:06d}" if o else None for k, o in enumerate(officer)]
    for name in ("gatekeepers", "equipment_items", "intrusion_alarm", "monitor_room_24h", "enclosed"):
        blank = rng.random(n) < 0.03                      # 未填报, as in a first return
        schools.loc[blank, name] = pd.NA
    high_ids = set(schools.loc[high, "id"].astype(str))
    police = crossings["staffed_by"].astype(str).to_numpy() == "police"
    at_high = crossings["school_id"].astype(str).isin(high_ids).to_numpy()
    crossings["armed"] = pd.array(police & at_high & (rng.random(len(crossings)) < 0.5), dtype="boolean")
