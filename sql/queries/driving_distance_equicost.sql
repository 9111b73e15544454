-- pgRouting's own multi-source mode: each node goes to its nearest root (equicost).
-- Used by bench/ as the peer's fastest form. pgRouting 3.4 gave some nodes too long a
-- time in this mode under peak weights; driving_distance.sql (min per node) is exact.
SELECT node, agg_cost
FROM pgr_drivingDistance(
    'SELECT id, source, target, cost, reverse_cost FROM network_edges',
    %(roots)s::bigint[], %(distance)s, directed => true, equicost => true
);
