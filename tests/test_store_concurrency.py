"""Two planners save the same row at the same moment: exactly one wins, the other is told."""

from __future__ import annotations

import threading

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gis.errors import StaleVersionError
from gis.store import open_store


def post(staff: int, version: int | None = None) -> gpd.GeoDataFrame:
    data = {"id": ["p1"], "name": ["雄石派出所"], "kind": ["station"], "staff": [staff]}
    if version is not None:
        data["version"] = [version]
    return gpd.GeoDataFrame(data, geometry=[Point(117.23, 28.30)], crs=4326) \
        .rename_geometry("point")


def test_simultaneous_saves_of_one_version_let_exactly_one_through(store):
    store.write_layer("police_posts", post(30), source="x", actor="setup")
    other = open_store(store.url)          # a second app process / connection pool
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who: str, target, staff: int) -> None:
        barrier.wait()
        try:
            target.write_layer("police_posts", post(staff, version=1), source="user", actor=who)
            outcomes[who] = "saved"
        except StaleVersionError:
            outcomes[who] = "stale"

    threads = [threading.Thread(target=save, args=("alice", store, 31)),
               threading.Thread(target=save, args=("bob", other, 32))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other.close()
    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    row = store.read_layer("police_posts").iloc[0]
    assert row["version"] == 2
    assert row["staff"] == {"alice": 31, "bob": 32}[winner]
    log = store.read_audit(layer="police_posts", row_id="p1")
    assert list(log.loc[log["field"] == "staff", "actor"]) == [winner]


@pytest.mark.parametrize("staff", [30, 31])
def test_a_save_after_someone_elses_is_refused_whatever_the_values(store, staff):
    store.write_layer("police_posts", post(30), source="x", actor="setup")
    store.write_layer("police_posts", post(35, version=1), source="user", actor="bob")
    with pytest.raises(StaleVersionError, match="police_posts"):
        store.write_layer("police_posts", post(staff, version=1), source="user", actor="alice")
