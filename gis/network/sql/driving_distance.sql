-- Nearest-root travel time of every node within %(distance)s seconds (pgRouting).
-- equicost => true gives each node to its nearest root only.
SELECT node, agg_cost
FROM pgr_drivingDistance(
    'SELECT id, source, target, cost, reverse_cost FROM network_edges',
    %(roots)s::bigint[], %(distance)s, directed => true, equicost => true
);
