"""Registered risk sites around schools and the 200-metre internet-café rule.

Distances are metres in the metric CRS from the risk site to the nearest part of the school:
any gate or, when known, the campus outline. Sites are counted per radius band
(``[coverage] risk_bands_m``, cumulative: the 500 m count includes the 200 m ones) and
weighted by level (``[scoring.thresholds] risk_level_weights``) and band
(``[coverage] risk_band_weights``).

《互联网上网服务营业场所管理条例》第九条: no internet café within 200 m of a primary or
middle school — an ``internet_cafe`` site that close to a protected kind of school
(``internet_cafe_protected_kinds``) is a statutory violation.

Privacy: the ``note`` of a risk site is dropped on entry and never leaves this module;
sensitive sites (``person`` or ``sensitive = True``) are only counted — the only ids listed
are those of internet cafés in breach of the 200 m rule.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.coverage.config import CoverageConfig
from gis.coverage.geometry import to_metric
from gis.schema import sensitive_mask


def school_footprints(schools: gpd.GeoDataFrame, gates: gpd.GeoSeries, *, crs: CRS) -> gpd.GeoSeries:
    """Gates united with the campus polygon (when given) per school id, in ``crs``."""
    sch = to_metric(schools, crs)
    foot = gates.to_numpy().copy()
    if "campus" in sch.columns:
        campus = gpd.GeoSeries(sch["campus"]).to_numpy()
        has = ~shapely.is_missing(campus) & ~shapely.is_empty(campus)
        foot[has] = shapely.union(foot[has], campus[has])
    return gpd.GeoSeries(foot, index=gates.index, crs=crs)


def is_sensitive(risk: pd.DataFrame) -> pd.Series:
    """True for sites with personal details (:func:`gis.schema.sensitive_mask`, the one rule)."""
    return sensitive_mask(risk)


def risk_pairs(risk_sites: gpd.GeoDataFrame, footprints: gpd.GeoSeries, *, max_m: float,
               crs: CRS) -> pd.DataFrame:
    """Every (risk site, school) pair closer than ``max_m`` metres, with the distance.

    Returns
    -------
    DataFrame
        ``school_id, site_id, category, level, sensitive, distance_m`` (metres).
    """
    cols = ["school_id", "site_id", "category", "level", "sensitive", "distance_m"]
    if risk_sites is None or len(risk_sites) == 0 or len(footprints) == 0:
        return pd.DataFrame({c: [] for c in cols})
    risk = to_metric(risk_sites.drop(columns=["note"], errors="ignore"), crs)
    sites = gpd.GeoDataFrame({
        "site_id": risk["id"].astype(str).to_numpy(),
        "category": risk["category"].astype(str).to_numpy(),
        "level": pd.to_numeric(risk["level"], errors="coerce").fillna(1).clip(1, 3).astype(int)
        .to_numpy(),
        "sensitive": is_sensitive(risk).to_numpy(),
    }, geometry=risk.geometry.to_numpy(), crs=crs)
    foot = gpd.GeoDataFrame({"school_id": footprints.index.astype(str)},
                            geometry=footprints.to_numpy(), crs=crs)
    pairs = gpd.sjoin(sites, foot, predicate="dwithin", distance=max_m)
    dist = shapely.distance(pairs.geometry.to_numpy(),
                            foot.geometry.to_numpy()[pairs["index_right"].to_numpy()])
    pairs = pd.DataFrame(pairs.drop(columns=["geometry", "index_right"]))
    pairs["distance_m"] = dist
    return pairs[cols].reset_index(drop=True)


def risk_exposure(pairs: pd.DataFrame, schools: pd.DataFrame, *, config: CoverageConfig,
                  level_weights: tuple[float, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk counts, weighted index and internet-café violations per school.

    Parameters
    ----------
    pairs : DataFrame
        From :func:`risk_pairs` with ``max_m`` at least the outer band.
    schools : DataFrame
        The ``schools`` layer (``id``, ``kind``).
    config : CoverageConfig
        Bands (metres), band weights, café distance and protected kinds.
    level_weights : tuple of float
        Weight of a level-1, -2, -3 site.

    Returns
    -------
    per_school : DataFrame
        Indexed by school id: ``risk_sites_<band>m`` per band (cumulative counts), ``risk_high``
        (level-3 sites in the outer band), ``risk_index`` (weighted sum),
        ``violations`` (count), ``violation_list`` (list of ``(site id, metres)``, nearest
        first, for the reasons) and ``violation_sites`` (the same as text for the tables).
    violations : DataFrame
        ``school_id, site_id, distance_m`` of each internet café closer than the legal distance.
    """
    ids = schools["id"].astype(str).to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name="school_id"))
    bands = np.asarray(config.risk_bands_m, dtype=float)
    band_w = np.asarray(config.risk_band_weights, dtype=float)
    lvl_w = np.asarray(level_weights, dtype=float)
    d = pairs["distance_m"].to_numpy(dtype=float)
    in_any = d <= bands.max() if len(bands) else np.zeros(len(d), dtype=bool)
    p = pairs[in_any]
    d = d[in_any]
    for band in bands:
        counts = p[d <= band].groupby("school_id").size()
        out[f"risk_sites_{int(band)}m"] = counts.reindex(ids).fillna(0).astype(int).to_numpy()
    band_idx = np.searchsorted(bands, d, side="left")
    weights = lvl_w[np.clip(p["level"].to_numpy(dtype=int), 1, len(lvl_w)) - 1] * band_w[band_idx]
    index = pd.Series(weights, index=p.index).groupby(p["school_id"]).sum()
    out["risk_index"] = index.reindex(ids).fillna(0.0).to_numpy()
    high = p[p["level"].to_numpy(dtype=int) >= 3].groupby("school_id").size()
    out["risk_high"] = high.reindex(ids).fillna(0).astype(int).to_numpy()

    kinds = pd.Series(schools["kind"].astype(str).to_numpy(), index=ids)
    protected = set(kinds.index[kinds.isin(config.internet_cafe_protected_kinds)])
    v = pairs[(pairs["category"] == "internet_cafe")
              & (pairs["distance_m"] <= config.internet_cafe_min_distance_m)
              & pairs["school_id"].isin(protected)]
    v = v.sort_values(["school_id", "distance_m"])[["school_id", "site_id", "distance_m"]]
    out["violations"] = v.groupby("school_id").size().reindex(ids).fillna(0).astype(int).to_numpy()
    pairs_by_school: dict[str, list[tuple[str, float]]] = {}
    for sid, site, metres in zip(v["school_id"], v["site_id"], v["distance_m"], strict=True):
        pairs_by_school.setdefault(str(sid), []).append((str(site), float(metres)))
    out["violation_list"] = pd.Series([pairs_by_school.get(i, []) for i in ids], index=out.index,
                                      dtype=object)
    out["violation_sites"] = [",".join(f"{s}@{m:.0f}m" for s, m in pairs_by_school.get(i, []))
                              for i in ids]
    return out, v.reset_index(drop=True)
