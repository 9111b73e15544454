-- A plain edge table in pgRouting's layout, one row per road segment of a RoadGraph.
-- cost / reverse_cost are seconds a->b / b->a; -1 marks a closed (one-way) direction.
DROP TABLE IF EXISTS network_edges;
CREATE TABLE network_edges (
    id bigint PRIMARY KEY,
    source bigint NOT NULL,
    target bigint NOT NULL,
    cost double precision NOT NULL,
    reverse_cost double precision NOT NULL
);
