"""A compact wire form of our FeatureCollections (what the browser receives), and its size.

streamlit-folium ships the whole map script over the websocket on every page view, so the
map's weight is the JSON of its layers. :func:`pack_collection` turns a FeatureCollection
of :mod:`gis.viz.features` into a much smaller, lossless-for-display form that
``static/js/map.js`` (``hxUnpack``) turns back into GeoJSON in the browser:

- coordinates quantised to 1e-5 degree (about 1.1 m) as integers, lines and rings as
  deltas from their previous vertex (``[x0, y0, dx1, dy1, …]``), relative to an origin;
- each distinct ``_style`` / ``_icon`` sent once (a palette), features hold an index;
- tooltips and popups split at HTML tags; every fragment used more than once (labels,
  table markup, enumeration values, recurring reasons) is sent once in a dictionary and
  referenced by number. Popups are joined only when opened. Fragments are the already
  escaped HTML of :mod:`gis.viz.popups`, so splitting and joining never unescapes anything;
- line features with the same style and tooltip and no popup (the basemap's roads) are
  merged into one multi-line feature.

:func:`script_json` serialises for a ``<script>``: UTF-8 (Chinese is 3 bytes, not a
6-byte ``\\uXXXX``) with ``<``, ``>``, ``&`` and ``'`` escaped so no data can close the tag. A layer above
:data:`ZIP_ABOVE` bytes also travels deflated and base64-encoded (:class:`PackedLayer`);
:func:`inflate_script` writes such layers out again for tests.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

Q = 100_000  # quantisation: 1e-5 degree ≈ 1.1 m
ZIP_ABOVE = 64_000  # bytes of packed JSON above which a layer travels deflated (see PackedLayer)
GEOM_CODES = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiPoint": 3, "MultiLineString": 4,
              "MultiPolygon": 5}
KNOWN = ("_style", "_icon", "_tooltip", "_popup", "_circle_m")
TAG = re.compile(r"(<[^>]*>)")


def _q(v: float) -> int:
    return int(round(float(v) * Q))


def _point(c, ox: int, oy: int) -> list[int]:
    return [_q(c[0]) - ox, _q(c[1]) - oy]


def _line(coords, ox: int, oy: int) -> list[int]:
    out: list[int] = []
    px = py = None
    for c in coords:
        x, y = _q(c[0]), _q(c[1])
        if px is None:
            out += [x - ox, y - oy]
        elif (x, y) != (px, py):
            out += [x - px, y - py]
        else:
            continue
        px, py = x, y
    return out


def _geometry(g: dict[str, Any], ox: int, oy: int) -> tuple[int, Any]:
    kind, c = g["type"], g["coordinates"]
    if kind == "Point":
        return 0, _point(c, ox, oy)
    if kind == "LineString":
        return 1, _line(c, ox, oy)
    if kind == "Polygon":
        return 2, [_line(r, ox, oy) for r in c]
    if kind == "MultiPoint":
        return 3, [_point(p, ox, oy) for p in c]
    if kind == "MultiLineString":
        return 4, [_line(line, ox, oy) for line in c]
    if kind == "MultiPolygon":
        return 5, [[_line(r, ox, oy) for r in poly] for poly in c]
    msg = f"cannot pack geometry type {kind}"
    raise ValueError(msg)


def _first_xy(g: dict[str, Any]) -> tuple[float, float] | None:
    c = g.get("coordinates")
    while isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)):
        c = c[0]
    return (float(c[0]), float(c[1])) if isinstance(c, (list, tuple)) and len(c) >= 2 else None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _merge_lines(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Line features with equal properties and no popup become one MultiLineString each."""
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for f in features:
        g, p = f["geometry"], f["properties"]
        if g["type"] not in ("LineString", "MultiLineString") or "_popup" in p:
            out.append(f)
            continue
        key = _key(p)
        lines = [g["coordinates"]] if g["type"] == "LineString" else list(g["coordinates"])
        if key in groups:
            groups[key]["geometry"]["coordinates"].extend(lines)
        else:
            merged = {"type": "Feature", "properties": p,
                      "geometry": {"type": "MultiLineString", "coordinates": lines}}
            groups[key] = merged
            out.append(merged)
    return out


def pack_collection(fc: dict[str, Any], *, merge_lines: bool = True) -> dict[str, Any]:
    """The compact form of a FeatureCollection (see the module docstring).

    Parameters
    ----------
    fc : dict
        A FeatureCollection whose properties are ``_style``, ``_icon``, ``_tooltip``,
        ``_popup``, ``_circle_m`` and optional extra keys (``_rank`` …, passed through).
    merge_lines : bool
        Merge line features that share all properties and have no popup.

    Returns
    -------
    dict
        ``{"q", "o", "k", "g", "S", "s", "I", "i", "d", "t", "p", "c", "x"}`` (see map.js).
    """
    features = [f for f in fc.get("features", []) if f.get("geometry")]
    if merge_lines:
        features = _merge_lines(features)
    first = next((xy for f in features if (xy := _first_xy(f["geometry"])) is not None), (0.0, 0.0))
    ox, oy = _q(first[0]), _q(first[1])
    tokens: Counter[str] = Counter()
    split: list[list[str] | None] = []
    for f in features:
        p = f["properties"]
        if isinstance(p.get("_tooltip"), str):
            tokens[p["_tooltip"]] += 1
        popup = p.get("_popup")
        parts = [t for t in TAG.split(popup) if t] if isinstance(popup, str) else None
        split.append(parts)
        for t in parts or ():
            tokens[t] += 1
    words = [t for t, n in tokens.most_common() if n > 1]
    index = {t: i for i, t in enumerate(words)}
    styles: dict[str, int] = {}
    icons: dict[str, int] = {}
    out: dict[str, Any] = {"q": Q, "o": [ox, oy], "k": [], "g": [], "S": [], "s": [], "I": [], "i": [],
                           "d": words, "t": [], "p": [], "c": [], "x": []}

    def palette(value: Any, table: dict[str, int], items: list) -> int:
        if value is None:
            return -1
        key = _key(value)
        if key not in table:
            table[key] = len(items)
            items.append(value)
        return table[key]

    for f, parts in zip(features, split, strict=True):
        p = f["properties"]
        code, geom = _geometry(f["geometry"], ox, oy)
        out["k"].append(code)
        out["g"].append(geom)
        out["s"].append(palette(p.get("_style"), styles, out["S"]))
        out["i"].append(palette(p.get("_icon"), icons, out["I"]))
        tip = p.get("_tooltip")
        out["t"].append(index.get(tip, tip) if isinstance(tip, str) else None)
        out["p"].append([index.get(t, t) for t in parts] if parts else 0)
        out["c"].append(float(p["_circle_m"]) if p.get("_circle_m") else 0)
        extra = {k: v for k, v in p.items() if k not in KNOWN}
        out["x"].append(extra or 0)
    empty = {"c": 0, "x": 0, "p": 0, "t": None, "i": -1, "s": -1}
    for key, nothing in empty.items():  # drop columns nobody uses
        if all(v == nothing for v in out[key]):
            out[key] = []
    return out


def script_json(value: Any) -> str:
    """JSON for inside ``<script>``: UTF-8, compact, ``< > & '`` escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def packed_json(fc: dict[str, Any], *, merge_lines: bool = True) -> str:
    """:func:`pack_collection` then :func:`script_json`: the string a map script embeds."""
    return script_json(pack_collection(fc, merge_lines=merge_lines))


@dataclass(frozen=True)
class PackedLayer:
    """A packed FeatureCollection ready for a map script: its JSON and its feature count.

    Attributes
    ----------
    json : str
        :func:`script_json` of the packed form (embedded as is when ``zipped`` is empty).
    n : int
        Number of features.
    zipped : str
        For a layer above :data:`ZIP_ABOVE` bytes: the same JSON deflated (zlib) and
        base64-encoded, which the map script inflates with the browser's own
        ``DecompressionStream`` (``hxInflate`` in map.js). Streamlit sends component
        arguments as ASCII JSON, so every Chinese character of a popup would otherwise cost
        6 bytes (``\\uXXXX``) and every quote 2; deflated, the county's layers are ~5× lighter.
    """

    json: str
    n: int
    zipped: str = ""

    @property
    def nbytes(self) -> int:
        """Size in the map script in bytes (UTF-8; the deflated form when there is one)."""
        return len(self.zipped) if self.zipped else len(self.json.encode("utf-8"))


def pack_layer(fc: dict[str, Any], *, merge_lines: bool = True, zip_above: int = ZIP_ABOVE) -> PackedLayer:
    """A :class:`PackedLayer` of a FeatureCollection (cache these: they are immutable).

    ``zip_above``: bytes of JSON above which the layer is also deflated (``zipped``).
    """
    packed = pack_collection(fc, merge_lines=merge_lines)
    text = script_json(packed)
    raw = text.encode("utf-8")
    zipped = base64.b64encode(zlib.compress(raw, 9)).decode("ascii") if len(raw) > zip_above else ""
    return PackedLayer(text, len(packed["k"]), zipped)


def unzip_text(zipped: str) -> str:
    """The JSON text of a ``PackedLayer.zipped`` (what the browser inflates)."""
    return zlib.decompress(base64.b64decode(zipped)).decode("utf-8")


ZIPPED = re.compile(r'hxInflate\("([A-Za-z0-9+/=]*)"\)')


def inflate_script(text: str) -> str:
    """A map's HTML or script with every deflated layer written out as its JSON (for tests and
    audits that read what the browser will see: names, escaping, absence of restricted data)."""
    return ZIPPED.sub(lambda m: "hxInflate(" + unzip_text(m.group(1)) + ")", text)
