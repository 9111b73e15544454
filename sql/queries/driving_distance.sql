-- Nearest-root travel time of every node within %(distance)s seconds (pgRouting).
-- One call from all roots, the minimum per node. (pgRouting 3.4's equicost => true mode
-- gave some nodes a longer time than their nearest root's, so it is not used.)
SELECT node, min(agg_cost) AS agg_cost
FROM pgr_drivingDistance(
    'SELECT id, source, target, cost, reverse_cost FROM network_edges',
    %(roots)s::bigint[], %(distance)s, directed => true, equicost => false
)
GROUP BY node;
