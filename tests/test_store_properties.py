"""Property test: whatever valid values a planner's table holds, the store gives them back."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from gis.errors import ValidationError
from gis.schema import RISK_CATEGORIES

texts = st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40))
levels = st.integers(min_value=1, max_value=3)
moments = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1990, 1, 1),
                                            max_value=dt.datetime(2100, 1, 1)))
lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
lat = st.floats(min_value=-90, max_value=90, allow_nan=False)

rows = st.lists(st.tuples(st.sampled_from(RISK_CATEGORIES), levels, texts,
                          st.one_of(st.none(), st.booleans()), moments, lon, lat),
                min_size=1, max_size=8)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_any_valid_risk_table_round_trips(store, table):
    ids = [f"r{k}" for k in range(len(table))]
    frame = gpd.GeoDataFrame(
        {"id": ids, "category": [r[0] for r in table], "level": [r[1] for r in table],
         "note": [r[2] for r in table], "sensitive": [r[3] for r in table],
         "registered_at": [r[4] for r in table]},
        geometry=[Point(r[5], r[6]) for r in table], crs=4326).rename_geometry("point")
    store.write_layer("risk_sites", frame, source="t", actor="t")
    got = store.read_layer("risk_sites", ids=ids).set_index("id")
    for rid, (category, level, note, sensitive, moment, x, y) in zip(ids, table, strict=True):
        row = got.loc[rid]
        assert row["category"] == category and row["level"] == level
        assert (pd.isna(row["note"]) and note is None) or row["note"] == note
        assert (pd.isna(row["sensitive"]) and sensitive is None) or row["sensitive"] == sensitive
        assert (pd.isna(row["registered_at"]) and moment is None) or \
            row["registered_at"].to_pydatetime() == moment
        assert math.isclose(row["point"].x, x, abs_tol=0) and row["point"].y == y
    store.delete_rows("risk_sites", ids, actor="t")


def test_nul_characters_are_refused_with_the_row_named(store):
    frame = gpd.GeoDataFrame({"id": ["r1"], "category": ["other"], "level": [1],
                              "note": ["a\x00b"]}, geometry=[Point(117.2, 28.3)], crs=4326)
    with pytest.raises(ValidationError, match="r1.*note|note.*r1"):
        store.write_layer("risk_sites", frame.rename_geometry("point"), source="t", actor="t")
