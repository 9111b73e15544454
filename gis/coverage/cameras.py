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

SECTOR_COLUMNS = ("camera_id", "owner", "networked", "status", "working", "assumed", "assumed_fields",
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
        Chords of a full circle; a sector gets its share (at least 2), so every arc has the
        same angular step.

    Returns
    -------
    numpy.ndarray of shapely Polygon
    """
    x, y, d, f, r = (np.asarray(a, dtype=float) for a in (x, y, direction_deg, fov_deg, range_m))
    n = len(x)
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    full = f >= 360.0
    # Chords per sector in proportion to its opening (at least 2): same angular step for all.
    chords = np.maximum(np.ceil(max(int(segments), 4) * np.minimum(f, 360.0) / 360.0), 2).astype(int)
    sizes = chords + 3                                   # apex, chords + 1 arc points, apex
    owner = np.repeat(np.arange(n), sizes)
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    k = np.arange(owner.size) - start                     # position within the ring
    arc = np.clip(k - 1, 0, None) / chords[owner]         # 0..1 along the arc
    theta = np.radians(d[owner] - f[owner] / 2.0 + f[owner] * arc)
    on_arc = (k > 0) & (k < sizes[owner] - 1)
    px = np.where(on_arc, x[owner] + r[owner] * np.sin(theta), x[owner])
    py = np.where(on_arc, y[owner] + r[owner] * np.cos(theta), y[owner])
    rings = shapely.linearrings(np.column_stack([px, py]), indices=owner)
    out[:] = shapely.polygons(rings)
    if full.any():
        out[full] = shapely.buffer(shapely.points(x[full], y[full]), r[full],
                                   quad_segs=max(int(segments) // 4, 4))
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
        Columns ``camera_id, owner, networked, status, working, assumed, assumed_fields, given_polygon,
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
        "status": status.fillna("ok").astype(str).to_numpy(),
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
