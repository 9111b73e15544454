"""Siting on real roads: the candidates × schools matrix, candidates, a planner's file, the CLI."""

from __future__ import annotations

import json
import sqlite3

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from gis.cli import main
from gis.config import load_settings
from gis.network import NetworkConfig, load_road_graph, school_gate_points
from gis.network.matrix import origin_target_seconds
from gis.siting.candidates import file_candidates, road_candidates
from gis.siting.reach import snap_gates, snap_sites


@pytest.fixture(scope="module")
def graph(demo_layers):
    return load_road_graph(demo_layers["roads"], settings=load_settings())


def test_forward_and_reverse_matrices_agree_with_networkx(graph, demo_layers):
    config = NetworkConfig.from_settings()
    cands = road_candidates(graph, spacing_m=400).sites.iloc[:25]
    sites, ok = snap_sites(graph, cands, config=config)
    gates = snap_gates(graph, demo_layers["schools"], config=config)
    fw = origin_target_seconds(graph, sites, gates.snapped, peak="am", direction="forward")
    rv = origin_target_seconds(graph, sites, gates.snapped, peak="am", direction="reverse")
    np.testing.assert_allclose(np.where(np.isfinite(fw), fw, -1), np.where(np.isfinite(rv), rv, -1), atol=1e-6)
    limited = origin_target_seconds(graph, sites, gates.snapped, peak="am", limit_s=180)
    assert np.array_equal(np.isfinite(limited), fw <= 180)
    # networkx reference: node-to-node times from a site's segment end to a gate's segment end
    g = graph.to_networkx(peak="am")
    fwd, bwd = graph.segment_times("am")
    i, j = 3, 5
    s_seg, t_seg = sites.seg[i], gates.snapped.seg[j]
    best = np.inf
    for start, lead in ((graph.seg_b[s_seg], (1 - sites.t[i]) * fwd[s_seg]), (graph.seg_a[s_seg], sites.t[i] * bwd[s_seg])):
        if not np.isfinite(lead):
            continue
        dist = nx.single_source_dijkstra_path_length(g, int(start), weight="time")
        for end, tail in ((graph.seg_a[t_seg], gates.snapped.t[j] * fwd[t_seg]),
                          (graph.seg_b[t_seg], (1 - gates.snapped.t[j]) * bwd[t_seg])):
            if int(end) in dist and np.isfinite(tail):
                best = min(best, lead + dist[int(end)] + tail)
    best += sites.access_s[i] + gates.snapped.access_s[j]
    if s_seg != t_seg:
        assert fw[i, j] == pytest.approx(best, abs=1e-6)


def test_road_candidates_are_thinned_and_skip_excluded_classes(graph):
    wide = road_candidates(graph, spacing_m=600).sites
    dense = road_candidates(graph, spacing_m=150).sites
    assert 0 < len(wide) < len(dense)
    assert set(wide["source"]) <= {"junction", "road"} and wide["id"].is_unique
    xy = np.column_stack(graph.to_local().transform(wide.geometry.x.to_numpy(), wide.geometry.y.to_numpy()))
    cells = pd.DataFrame(np.floor(xy / 600).astype(int)).assign(src=wide["source"].to_numpy())
    assert not cells.duplicated().any()          # at most one junction and one road point per cell
    no_primary = road_candidates(graph, spacing_m=600, exclude_classes=tuple(graph.classes)).sites
    assert len(no_primary) == 0


def test_planner_file_rows_are_rejected_with_reasons(graph, tmp_path):
    lon, lat = graph.to_wgs84().transform(*graph.node_xy[graph.n_nodes // 2])
    path = tmp_path / "候选点.csv"
    path.write_text("编号,名称,经度,纬度\n"
                    f"A1,路口,{lon:.6f},{lat:.6f}\n"
                    "A2,缺坐标,,\n"
                    f"A1,重复,{lon:.6f},{lat:.6f}\n"
                    f"A3,远郊,{lon + 0.2:.6f},{lat + 0.2:.6f}\n", encoding="utf-8")
    cands = file_candidates(path, graph, max_snap_m=150)
    assert cands.sites["id"].tolist() == ["A1"]
    reasons = dict(zip(cands.rejected["row"], cands.rejected["reason_en"], strict=True))
    assert "coordinates" in reasons[3] and "duplicate" in reasons[4] and "off the road network" in reasons[5]


def test_cli_writes_proposals_summary_and_workbook(demo_store, tmp_path):
    db = tmp_path / "app.db"
    with sqlite3.connect(make_url(str(demo_store.url)).database) as src, sqlite3.connect(str(db)) as dst:
        src.backup(dst)
    out = tmp_path / "out"
    code = main(["--db", f"sqlite:///{db}", "siting", "--kind", "kiosk", "--add", "2", "--minutes", "3",
                 "--peak", "am", "--time-limit", "20", "--out", str(out), "--save", "两个岗亭"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("before_covered", "after_covered", "objective", "gap", "solver", "seconds", "uncoverable"):
        assert key in summary
    assert summary["after_covered"] > summary["before_covered"] and summary["gap"] == 0
    props = json.loads((out / "proposals.geojson").read_text(encoding="utf-8"))
    assert len(props["features"]) == 2
    assert all(isinstance(f["properties"]["newly_reached"], list) for f in props["features"])
    sheets = pd.read_excel(out / "scenario.xlsx", sheet_name=None)
    assert {"前后对比", "拟建点位", "等级变化"} <= set(sheets)
    assert (out / "scenario.pdf").read_bytes()[:4] == b"%PDF"
    code = main(["--db", f"sqlite:///{db}", "siting", "--kind", "kiosk", "--model", "setcover", "--minutes", "3",
                 "--out", str(tmp_path / "cover"), "--save", "全覆盖", "--actor", "张三"])
    cover = json.loads((tmp_path / "cover" / "summary.json").read_text(encoding="utf-8"))
    assert code == 0 and cover["after_covered"] + len(cover["uncoverable"]) == cover["schools"]
    # who saved: the console's system principal (cli:<user>), or the --actor given
    from gis.store import open_store
    from gis.store.scenarios import list_scenarios

    store = open_store(f"sqlite:///{db}")
    owners = dict(zip(*list_scenarios(store)[["name", "created_by"]].to_numpy().T, strict=True))
    assert owners["两个岗亭"].startswith("cli:") and owners["全覆盖"] == "张三"
    audit = store.read_audit(layer="scenarios")
    assert set(audit["action"]) == {"scenario_save"} and set(audit["actor"]) == {owners["两个岗亭"], "张三"}
    store.close()


def test_cli_bad_input_is_one_line(demo_store, tmp_path, capsys):
    code = main(["--db", str(demo_store.url), "siting", "--kind", "kiosk", "--add", "1",
                 "--time-limit", "0", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--time-limit" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_gate_ids_follow_school_order(graph, demo_layers):
    gates = snap_gates(graph, demo_layers["schools"], config=NetworkConfig.from_settings())
    assert np.all(np.diff(gates.owner) >= 0)
    assert len(school_gate_points(demo_layers["schools"])) >= len(gates.snapped)
