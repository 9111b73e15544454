"""The high-risk persons register (涉校高危人员, ``risk_persons``; restricted).

Only ``cleared`` accounts read its records (``store.read_layer("risk_persons",
principal=…)`` — every record read is audited). Everyone who may read the map sees
:func:`counts_near_schools`: how many registered persons are active within 200 m and
500 m of each school, and nothing that identifies a person. Overdue reviews are listed by
:func:`overdue_reviews` for cleared accounts. The wall display, logs, exports for
non-cleared users and route sheets never touch this table.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.auth.policy import require
from gis.auth.principal import SYSTEM, Principal
from gis.network.crs import utm_crs_for
from gis.schema import main_gate, sensitive_mask

LAYER = "risk_persons"
BANDS_M = (200, 500)


def read_register(store, *, principal: Principal) -> gpd.GeoDataFrame:
    """The register's records (cleared accounts only; every record read is audited)."""
    return store.read_layer(LAYER, principal=principal)


def counts_near_schools(store, schools: gpd.GeoDataFrame, *, principal: Principal = SYSTEM,
                        bands_m: tuple[int, ...] = BANDS_M) -> pd.DataFrame:
    """Per school: registered persons not closed within each band of its main gate.

    Parameters
    ----------
    schools : GeoDataFrame
        The schools layer (``id``, ``name``, ``gates``).
    principal : Principal
        Any account that may read the map (``read`` on ``schools``).
    bands_m : tuple of int
        Radii in metres (cumulative: the 500 m count includes the 200 m ones).

    Returns
    -------
    DataFrame
        ``school_id``, ``name``, ``within_200m``, ``within_500m`` — counts only.
    """
    require(principal, "read", "schools")
    columns = ["school_id", "name"] + [f"within_{b}m" for b in bands_m]
    persons = store.read_layer(LAYER)   # as the system: only counts leave this function
    if len(schools) == 0:
        return pd.DataFrame(columns=columns)
    active = persons[persons["status"].fillna("active") != "released"]
    gates = gpd.GeoSeries([main_gate(g) for g in schools.geometry], crs="EPSG:4326")
    out = pd.DataFrame({"school_id": schools["id"].to_numpy(), "name": schools["name"].to_numpy()})
    if len(active) == 0:
        for b in bands_m:
            out[f"within_{b}m"] = 0
        return out
    centre = gates.union_all().centroid
    crs = utm_crs_for(centre.x, centre.y)
    g = gates.to_crs(crs).to_numpy()
    p = gpd.GeoSeries(active.geometry, crs="EPSG:4326").to_crs(crs).to_numpy()
    distance = shapely.distance(g[:, None], p[None, :])
    for b in bands_m:
        out[f"within_{b}m"] = np.nan_to_num(distance <= b, nan=0).sum(axis=1).astype(int)
    return out


def overdue_reviews(register: pd.DataFrame, *, today: dt.date | None = None) -> pd.DataFrame:
    """Records whose ``next_review`` date has passed and that are not closed, most overdue first."""
    today = today or dt.date.today()
    if len(register) == 0:
        return register.iloc[0:0]
    due = pd.to_datetime(register["next_review"])
    late = register[(due.dt.date < today) & (register["status"].fillna("active") != "released")].copy()
    late["days_overdue"] = [(today - d.date()).days for d in pd.to_datetime(late["next_review"])]
    return late.sort_values("days_overdue", ascending=False)


def is_register_row(risk_sites: pd.DataFrame) -> pd.Series:
    """Risk-site rows that belong in the register (category ``person`` or ``sensitive``)."""
    if len(risk_sites) == 0:
        return pd.Series([], dtype=bool)
    return sensitive_mask(risk_sites)  # the one rule (gis.schema.is_sensitive)


def move_sensitive_sites(store, *, principal: Principal = SYSTEM) -> int:
    """Move ``risk_sites`` rows of persons (``person`` or ``sensitive``) into the register,
    as ``sql/007_auth.sql`` does on migration; return how many moved (audited writes)."""
    sites = store.read_layer("risk_sites", principal=principal)
    rows = sites[is_register_row(sites)]
    if len(rows) == 0:
        return 0
    moved = gpd.GeoDataFrame({
        "id": rows["id"].to_numpy(), "category": "unclassified", "level": rows["level"].to_numpy(),
        "status": "active", "note": rows["note"].to_numpy()},
        geometry=gpd.GeoSeries(rows.geometry.to_numpy(), crs="EPSG:4326"), crs="EPSG:4326")
    source = str(rows["source"].iloc[0] or "risk_sites")
    store.write_layer(LAYER, moved.rename_geometry("point"), source=source, principal=principal)
    store.delete_rows("risk_sites", list(rows["id"]), principal=principal)
    return len(rows)
