"""Camera view sectors (视频监控覆盖扇区) in a metric CRS.

A camera sees a circular sector: apex at the camera, centred on ``direction_deg``
(degrees clockwise from north), opening ``fov_deg`` degrees, reaching ``range_m`` metres.
A camera with an explicit ``coverage`` polygon uses it as is. Missing fields take the
defaults of ``[coverage.camera_defaults]`` (per owner when given) and the row is flagged
``assumed``. Broken cameras (``status == "broken"``) are kept with ``working = False`` so
the map can show them, and every analysis counts them as absent.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.coverage.config import CAMERA_FIELDS, CoverageConfig
from gis.coverage.geometry import to_metric
from gis.coverage.values import as_flags

SECTOR_COLUMNS = ("camera_id", "owner", "networked", "working", "assumed", "assumed_fields",
                  "given_polygon", "direction_deg", "fov_deg", "range_m")


def sector_polygons(x: np.ndarray, y: np.ndarray, direction_deg: np.ndarray, fov_deg: np.ndarray,
                    range_m: np.ndarray, *, segments: int = 24) -> np.ndarray:
    """Vectorised sector polygons in the (metric) plane of ``x, y``.

    Parameters
    ----------
    x, y : array of float
        Camera positions, metres.
    direction_deg : array of float
        View direction, degrees clockwise from north (0 = north, 90 = east).
    fov_deg : array of float
        Opening angle, degrees; 360 or more gives a full disc.
    range_m : array of float
        Radius, metres.
    segments : int
        Arc vertices of each sector (the arc is split into this many chords).

    Returns
    -------
    numpy.ndarray of shapely Polygon
    """
    x, y, d, f, r = (np.asarray(a, dtype=float) for a in (x, y, direction_deg, fov_deg, range_m))
    n = len(x)
    segments = max(int(segments), 4)
    full = f >= 360.0
    steps = np.linspace(0.0, 1.0, segments + 1)
    theta = np.radians((d - f / 2.0)[:, None] + f[:, None] * steps[None, :])  # (n, segments+1)
    arc_x = x[:, None] + r[:, None] * np.sin(theta)
    arc_y = y[:, None] + r[:, None] * np.cos(theta)
    ring_x = np.column_stack([x, arc_x, x])
    ring_y = np.column_stack([y, arc_y, y])
    coords = np.stack([ring_x, ring_y], axis=-1)
    out = np.empty(n, dtype=object)
    if n:
        out[:] = shapely.polygons(coords)
        if full.any():
            out[full] = shapely.buffer(shapely.points(x[full], y[full]), r[full],
                                       quad_segs=max(segments // 4, 4))
    return out


def _filled(cameras: pd.DataFrame, name: str, config: CoverageConfig) -> tuple[np.ndarray, np.ndarray]:
    """Values of one camera field with the owner defaults filled in, and the mask of filled rows."""
    if name in cameras.columns:
        values = pd.to_numeric(cameras[name], errors="coerce")
    else:
        values = pd.Series(np.nan, index=cameras.index)
    missing = values.isna().to_numpy()
    owners = cameras["owner"] if "owner" in cameras.columns else pd.Series(None, index=cameras.index)
    defaults = np.array([config.camera_default(o if isinstance(o, str) else None, name)
                         for o in owners], dtype=float)
    return np.where(missing, defaults, values.to_numpy(dtype=float, na_value=np.nan)), missing


def camera_sectors(cameras: gpd.GeoDataFrame, *, config: CoverageConfig, crs: CRS) -> gpd.GeoDataFrame:
    """One view polygon per camera, in the metric ``crs``.

    Parameters
    ----------
    cameras : GeoDataFrame
        The ``cameras`` layer (point geometry; optional ``coverage`` polygons).
    config : CoverageConfig
        Camera defaults and arc resolution.
    crs : pyproj.CRS
        Metric CRS of the output.

    Returns
    -------
    GeoDataFrame
        Columns ``camera_id, owner, networked, working, assumed, assumed_fields, given_polygon,
        direction_deg, fov_deg, range_m`` and the sector ``geometry`` (metres, in ``crs``).
        ``assumed_fields`` names the defaulted fields (comma separated, empty when none).
    """
    if len(cameras) == 0:
        return gpd.GeoDataFrame({c: [] for c in SECTOR_COLUMNS}, geometry=[], crs=crs)
    cams = to_metric(cameras, crs)
    filled = {name: _filled(cams, name, config) for name in CAMERA_FIELDS}
    pts = cams.geometry
    geoms = sector_polygons(pts.x.to_numpy(), pts.y.to_numpy(), filled["direction_deg"][0],
                            filled["fov_deg"][0], filled["range_m"][0],
                            segments=config.sector_segments)
    given = np.zeros(len(cams), dtype=bool)
    if "coverage" in cams.columns:
        cov = gpd.GeoSeries(cams["coverage"], index=cams.index)
        given = (~cov.isna() & ~cov.is_empty).to_numpy()
        geoms[given] = cov.to_numpy()[given]
    # A field is "assumed" only when the sector is drawn from it (not for given polygons);
    # a full-circle camera needs no direction.
    masks = {name: filled[name][1] & ~given for name in CAMERA_FIELDS}
    masks["direction_deg"] &= filled["fov_deg"][0] < 360.0
    assumed_fields = [",".join(n for n in CAMERA_FIELDS if masks[n][i]) for i in range(len(cams))]
    status = cams["status"] if "status" in cams.columns else pd.Series(None, index=cams.index)
    owner = cams["owner"] if "owner" in cams.columns else pd.Series(None, index=cams.index)
    out = gpd.GeoDataFrame({
        "camera_id": cams["id"].astype(str).to_numpy(),
        "owner": owner.to_numpy(),
        "networked": as_flags(cams, "networked"),
        "working": (status.fillna("ok").astype(str) != "broken").to_numpy(),
        "assumed": np.array([bool(a) for a in assumed_fields]),
        "assumed_fields": assumed_fields,
        "given_polygon": given,
        "direction_deg": np.where(given, np.nan, filled["direction_deg"][0]),
        "fov_deg": np.where(given, np.nan, filled["fov_deg"][0]),
        "range_m": np.where(given, np.nan, filled["range_m"][0]),
    }, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    out["geometry"] = shapely.make_valid(out.geometry.to_numpy())
    return out
