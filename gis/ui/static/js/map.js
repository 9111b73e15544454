/* 护校安园态势图 — the map's own script (served by the app, loaded before every map script).
 *
 * hxUnpack(P)   the packed layers of gis/viz/pack.py -> a GeoJSON FeatureCollection
 * hxPopup(f)    the popup HTML of a packed feature, joined only when the popup opens
 * hxCluster(o)  a Leaflet.markercluster group whose clusters show their count and take the
 *               colour of the worst member (options.hxRank: higher is worse)
 * hxZoomSwap    a layer shown from a zoom level on, a cluster of its points below it
 * hxInflate     a deflated, base64-encoded packed layer (gis.viz.pack.PackedLayer.zipped) →
 *               Promise of its GeoJSON; layers resolve in the order they were asked for
 */
(function () {
  "use strict";

  function unpack(P) {
    var q = P.q, ox = P.o[0], oy = P.o[1], d = P.d || [];
    function pt(a) { return [(a[0] + ox) / q, (a[1] + oy) / q]; }
    function line(a) {
      var x = a[0] + ox, y = a[1] + oy, out = [[x / q, y / q]];
      for (var j = 2; j < a.length; j += 2) { x += a[j]; y += a[j + 1]; out.push([x / q, y / q]); }
      return out;
    }
    function geom(k, g) {
      switch (k) {
        case 0: return {type: "Point", coordinates: pt(g)};
        case 1: return {type: "LineString", coordinates: line(g)};
        case 2: return {type: "Polygon", coordinates: g.map(line)};
        case 3: return {type: "MultiPoint", coordinates: g.map(pt)};
        case 4: return {type: "MultiLineString", coordinates: g.map(line)};
        default: return {type: "MultiPolygon", coordinates: g.map(function (p) { return p.map(line); })};
      }
    }
    function word(x) { return typeof x === "number" ? d[x] : x; }
    var features = [];
    for (var i = 0; i < P.k.length; i++) {
      var props = {};
      var extra = P.x.length ? P.x[i] : 0;
      if (extra) { for (var key in extra) { props[key] = extra[key]; } }
      if (P.s.length && P.s[i] >= 0) { props._style = P.S[P.s[i]]; }
      if (P.i.length && P.i[i] >= 0) { props._icon = P.I[P.i[i]]; }
      if (P.t.length && P.t[i] !== null) { props._tooltip = word(P.t[i]); }
      if (P.p.length && P.p[i]) { props._popupParts = P.p[i]; props._dict = d; }
      if (P.c.length && P.c[i]) { props._circle_m = P.c[i]; }
      features.push({type: "Feature", geometry: geom(P.k[i], P.g[i]), properties: props});
    }
    return {type: "FeatureCollection", features: features};
  }

  function popup(p) {
    if (p._popup) { return p._popup; }
    var d = p._dict;
    return p._popupParts.map(function (x) { return typeof x === "number" ? d[x] : x; }).join("");
  }

  function cluster(o) {
    var k = o.scale || 1, colors = o.colors || {}, color = o.color || "#1f4e9c";
    return L.markerClusterGroup({
      showCoverageOnHover: false, spiderfyOnMaxZoom: true, chunkedLoading: true,
      clusterPane: o.clusterPane || "markerPane",
      removeOutsideVisibleBounds: true, maxClusterRadius: (o.radius || 50) * k,
      disableClusteringAtZoom: o.disableAt || 16,
      iconCreateFunction: function (c) {
        var members = c.getAllChildMarkers(), worst = -1, n = c.getChildCount();
        for (var j = 0; j < members.length; j++) {
          var r = members[j].options.hxRank;
          if (r !== undefined && r > worst) { worst = r; }
        }
        var fill = colors[String(worst)] || color;
        // never wider than the clustering radius, so neighbouring clusters' counts do not
        // cover each other (a dense town centre at county zoom)
        var size = Math.round(Math.min((n < 10 ? 26 : n < 100 ? 34 : 42) * (o.size || 1), o.radius || 50) * k);
        var font = Math.round(size * 0.42);
        return L.divIcon({
          html: '<div class="hx-cluster-in" style="background:' + fill + ';width:' + size + "px;height:" +
            size + "px;line-height:" + size + "px;font-size:" + font + 'px">' + n + "</div>",
          className: "hx-cluster hx-cluster-" + (o.kind || "count"), iconSize: [size, size]});
      }
    });
  }

  /* Polygons (camera sectors) from zoom `minZoom` on; below it, a cluster of their first vertex. */
  function zoomSwap(full, o) {
    var points = cluster(o), group = L.featureGroup(), map = null;
    full.eachLayer(function (layer) {
      var ll = layer.getLatLngs ? layer.getLatLngs() : null;
      while (ll && ll.length && ll[0] && ll[0].lat === undefined) { ll = ll[0]; }
      var at = ll && ll.length ? ll[0] : (layer.getLatLng ? layer.getLatLng() : null);
      if (!at) { return; }
      var dot = L.circleMarker(at, {radius: 4, weight: 1, color: "#ffffff", fillColor: o.color || "#6a4c93",
                                    fillOpacity: 0.9, hxRank: layer.options.hxRank});
      var pop = layer.getPopup();
      if (pop) { dot.bindPopup(pop._content, {maxWidth: 380}); }
      points.addLayer(dot);
    });
    function update() {
      if (!map) { return; }
      var big = map.getZoom() >= o.minZoom;
      if (big && !group.hasLayer(full)) { group.removeLayer(points); group.addLayer(full); }
      if (!big && !group.hasLayer(points)) { group.removeLayer(full); group.addLayer(points); }
    }
    group.on("add", function () { map = group._map; map.on("zoomend", update); update(); });
    group.on("remove", function () { if (map) { map.off("zoomend", update); } map = null; });
    return group;
  }

  var queue = null;
  function inflate(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var text = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).text();
    // one after another: the layers are added in script order (drawing order, then popups)
    queue = (queue || Promise.resolve()).then(function () { return text; }).then(function (t) {
      return unpack(JSON.parse(t));
    });
    var mine = queue;
    queue = queue.catch(function () { return null; });
    return mine;
  }

  window.hxUnpack = unpack;
  window.hxInflate = inflate;
  window.hxPopup = popup;
  window.hxCluster = cluster;
  window.hxZoomSwap = zoomSwap;
})();
