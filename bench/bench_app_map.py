"""The overview map's payload: our per-feature-styled GeoJSON layers vs the stock folium idiom.

Same input (a demo area's layers, its campus assessment and 1/3/5-minute reach), same
symbols. Ours: one ``StyledGeoJson`` per layer whose features carry their own style and
popup (``gis.viz``). Peer: what one writes with folium out of the box — a ``CircleMarker`` /
``Marker(DivIcon)`` with a ``folium.Popup`` per point, ``folium.GeoJson(style_function=…)``
for polygons and roads. Both maps are rendered to HTML (what streamlit-folium ships to the
browser on every rerun that changes the map); we report render time, bytes and how many
links point off the host (CDNs) — the peer's stock map has those, ours must have none.

Usage: ``.venv/bin/python bench/bench_app_map.py [--area guixi] [--repeat 3]``
Ends with one line ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.config import load_settings  # noqa: E402
from gis.coverage import assess_campuses  # noqa: E402
from gis.demo import load_demo  # noqa: E402
from gis.network import NetworkConfig, load_road_graph, reach_polygons  # noqa: E402
from gis.store import open_store  # noqa: E402
from gis.viz import features, maps, popups, style  # noqa: E402
from gis.viz.assets import external_links  # noqa: E402
from gis.viz.elements import StyledGeoJson  # noqa: E402


def load(area: str):
    tmp = Path(tempfile.mkdtemp()) / "bench.db"
    store = open_store(f"sqlite:///{tmp}")
    load_demo(store, area=area)
    layers = store.read_layers()
    settings = load_settings(database_url=store.url)
    graph = load_road_graph(layers["roads"], settings=settings)
    assessment = assess_campuses(layers, graph=graph, settings=settings)
    reach = reach_polygons(graph, layers["police_posts"], config=NetworkConfig.from_settings(settings))
    return layers, assessment.drop(columns="geometry"), reach.drop(columns="circle")


def ours(layers, assessment, reach) -> folium.Map:
    bm = maps.build_basemap(roads=layers["roads"], water=None, schools=layers["schools"],
                            posts=layers["police_posts"])
    m = maps.new_map(bm.bounds)
    maps.add_basemap(m, bm)
    for coll in (features.reach_features(reach), features.school_features(layers["schools"], assessment),
                 features.post_features(layers["police_posts"]), features.crossing_features(layers["crossings"]),
                 features.risk_features(layers["risk_sites"])):
        StyledGeoJson(coll).add_to(m)
    return m


def peer(layers, assessment, reach) -> folium.Map:
    roads = layers["roads"]
    b = roads.total_bounds
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=14, tiles=None)
    ranks = roads["highway"].map(style.ROAD_CLASSES).fillna(4).astype(int)
    folium.GeoJson(roads.assign(rank=ranks)[["rank", "geom"]], style_function=lambda f: {
        "color": style.ROAD_STYLE["light"][f["properties"]["rank"]][0],
        "weight": style.ROAD_STYLE["light"][f["properties"]["rank"]][1]}).add_to(m)
    folium.GeoJson(reach[["minutes", "geometry"]], style_function=lambda f: style.REACH_STYLE[
        int(f["properties"]["minutes"])]).add_to(m)
    merged = features.join_assessment(layers["schools"], assessment)
    for row in merged.to_dict("records"):
        gate = features.main_gate(row["gates"])
        level = row.get("level") if isinstance(row.get("level"), str) else "unassessed"
        folium.CircleMarker([gate.y, gate.x], radius=8, color="#fff", fill_color=style.LEVEL_COLORS[level],
                            fill_opacity=0.95, popup=folium.Popup(popups.school_popup(row, "zh"), max_width=380),
                            tooltip=str(row["name"])).add_to(m)
    for row in layers["police_posts"].to_dict("records"):
        color, glyph = style.POST_STYLE[row["kind"]]
        icon = folium.DivIcon(html=features.badge(glyph, color)["html"])
        folium.Marker([row["point"].y, row["point"].x], icon=icon,
                      popup=folium.Popup(popups.post_popup(row, "zh"))).add_to(m)
    for row in layers["crossings"].to_dict("records"):
        folium.CircleMarker([row["point"].y, row["point"].x], radius=6,
                            popup=folium.Popup(popups.crossing_popup(row, "zh"))).add_to(m)
    for row in layers["risk_sites"].to_dict("records"):
        sensitive = features.is_sensitive(row)
        folium.Marker([row["point"].y, row["point"].x],
                      icon=folium.DivIcon(html=features.badge(style.RISK_GLYPHS[row["category"]], "#e76f51")["html"]),
                      popup=folium.Popup(popups.risk_popup(row, "zh", sensitive=sensitive))).add_to(m)
    return m


def timed(build, args, repeat: int) -> tuple[float, int, int]:
    best = float("inf")
    size = n_ext = 0
    for _ in range(repeat):
        t = time.perf_counter()
        m = build(*args)
        html = m.get_root().render()
        best = min(best, time.perf_counter() - t)
        size, n_ext = len(html.encode("utf-8")), len(external_links(m))
    return best, size, n_ext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="guixi")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = load(args.area)
    n_features = sum(len(data[0][k]) for k in ("schools", "police_posts", "crossings", "risk_sites", "roads"))
    t_ours, b_ours, ext_ours = timed(ours, data, args.repeat)
    t_peer, b_peer, ext_peer = timed(peer, data, args.repeat)
    print(f"area {args.area}: {n_features} features + {len(data[2])} reach polygons")
    print(f"ours (StyledGeoJson)   : {t_ours * 1000:8.1f} ms  {b_ours / 1024:8.1f} KiB  off-host links {ext_ours}")
    print(f"peer (stock folium)    : {t_peer * 1000:8.1f} ms  {b_peer / 1024:8.1f} KiB  off-host links {ext_peer}")
    print(f"speed-up {t_peer / t_ours:.2f}x, size ratio peer/ours {b_peer / b_ours:.2f}")
    result = {"area": args.area, "features": n_features, "ours_ms": round(t_ours * 1000, 1),
              "peer_ms": round(t_peer * 1000, 1), "speedup": round(t_peer / t_ours, 2),
              "ours_kib": round(b_ours / 1024, 1), "peer_kib": round(b_peer / 1024, 1),
              "size_ratio": round(b_peer / b_ours, 2), "ours_offhost_links": ext_ours,
              "peer_offhost_links": ext_peer}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
