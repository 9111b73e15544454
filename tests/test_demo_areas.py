"""The two other embedded areas load the same way, with their real OSM schools and stations."""

from __future__ import annotations

import pytest
import shapely

from gis.demo import build_demo_layers
from gis.demo_areas import clean_name, get_area
from gis.errors import ValidationError


@pytest.fixture(scope="module")
def shenzhen():
    return build_demo_layers(area="shenzhen-dayun")


@pytest.fixture(scope="module")
def beijing():
    return build_demo_layers(area="beijing-haidian")


def test_shenzhen_uses_the_real_station_and_schools(shenzhen):
    posts = shenzhen["police_posts"].set_index("id")
    real = posts.loc["osm-w356776843"]
    assert real["name"] == "大运城派出所" and real["kind"] == "station"
    assert real["source"] == "osm:cn_shenzhen_longgang_dayun_2019.osm.bz2"
    names = set(shenzhen["schools"]["name"])
    assert {"龙岗外国语学校", "深圳信息职业技术学院", "启蒙星幼儿园",
            "华南师范大学附属龙岗大运学校"} <= names
    kinds = shenzhen["schools"].set_index("name")["kind"]
    assert kinds["深圳信息职业技术学院"] == "vocational"
    assert kinds["启蒙星幼儿园"] == "kindergarten"
    assert len(shenzhen["roads"]) == 338


def test_beijing_schools_and_one_record_per_campus(beijing):
    schools = beijing["schools"]
    names = set(schools["name"])
    assert {"清华附小", "清华大学附属中学", "清华大学附属幼儿园", "中关村中学分校"} <= names
    # the node 清华附中 lies inside the 清华大学附属中学 campus: one campus, one record
    assert "清华附中" not in names
    assert schools["name"].notna().all()   # the unnamed school node is skipped
    assert "保卫处派出所" in set(beijing["police_posts"]["name"])


@pytest.mark.parametrize("area", ["shenzhen", "beijing"])
def test_every_school_belongs_to_a_station_cell(area, shenzhen, beijing):
    layers = {"shenzhen": shenzhen, "beijing": beijing}[area]
    posts = layers["police_posts"].set_index("id")
    stations = posts[posts["kind"] == "station"]
    assert len(stations) == 3
    cells = shapely.union_all(stations["jurisdiction"].values)
    for _, school in layers["schools"].iterrows():
        holder = posts.loc[school["jurisdiction_id"]]
        assert holder["kind"] == "station"
        assert holder["jurisdiction"].covers(school["gates"].geoms[0]) or \
            not cells.covers(school["gates"].geoms[0])


def test_bilingual_names_and_unknown_area():
    assert clean_name("大运城派出所 Dayuncheng Police Station") == "大运城派出所"
    assert clean_name("贵溪市第四中学") == "贵溪市第四中学"
    with pytest.raises(ValidationError, match="guixi"):
        get_area("shanghai")
