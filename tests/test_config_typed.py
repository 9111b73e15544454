"""Typed sections built with from_settings refuse unknown keys with a clear error (section + key)."""

from __future__ import annotations

import pytest

from gis.cli import main
from gis.commands import check_sections
from gis.config import check_keys, load_settings
from gis.coverage.config import ComplianceConfig, CoverageConfig, ScoringConfig
from gis.errors import ConfigError
from gis.network import NetworkConfig
from gis.routing import RoutingConfig
from gis.timewindows import PeakWindows


def settings_with(tmp_path, text: str):
    path = tmp_path / "user.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(config=path)


@pytest.mark.parametrize(("text", "cls", "where", "key"), [
    ("[coverage]\ngate_zone = 40\n", CoverageConfig, "[coverage]", "gate_zone"),
    ("[coverage.guards]\nurban_minimum = 3\n", CoverageConfig, "[coverage.guards]", "urban_minimum"),
    ("[scoring]\nmandatroy = []\n", ScoringConfig, "[scoring]", "mandatroy"),
    ("[scoring.thresholds]\nresponse_good = 120\n", ScoringConfig, "[scoring.thresholds]", "response_good"),
    ("[scoring.weights]\nresponse_time = 30\n", ScoringConfig, "[scoring.weights]", "response_time"),
    ("[compliance]\ntechdef = { urban = 0.9 }\n", ComplianceConfig, "[compliance]", "techdef"),
    ("[compliance]\ntechdef_rate = { city = 0.9 }\n", ComplianceConfig, "[compliance.techdef_rate]", "city"),
    ("[network]\nmax_snap = 100\n", NetworkConfig, "[network]", "max_snap"),
    ("[routing]\ndwell = 5\n", RoutingConfig, "[routing]", "dwell"),
    ("[routing.windows]\nevening = \"18:00-19:00\"\n", PeakWindows, "[routing.windows]", "evening"),
])
def test_unknown_key_is_refused_naming_section_and_key(tmp_path, text, cls, where, key):
    settings = settings_with(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        cls.from_settings(settings)
    assert where in str(err.value) and key in str(err.value)
    with pytest.raises(ConfigError):
        check_sections(settings)


def test_defaults_validate_and_values_are_typed():
    settings = load_settings()
    check_sections(settings)
    sc = ScoringConfig.from_settings(settings)
    assert sc.response_good_s == 180.0 and sc.response_limit_s == 300.0 and sc.limit_minutes == 5.0
    assert sc.mandatory[0] == "guards" and isinstance(sc.mandatory, tuple)
    cov = CoverageConfig.from_settings(settings)
    assert cov.guards.complex_area_min == 2 and cov.duty_required_windows == ("am", "pm")
    assert ComplianceConfig.from_settings(settings).target("techdef_rate", "rural") is None


def test_wrong_values_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="mandatory"):
        ScoringConfig.from_settings(settings_with(tmp_path, '[scoring]\nmandatory = ["guard"]\n'))
    with pytest.raises(ConfigError, match="gate_zone_m"):
        CoverageConfig.from_settings(settings_with(tmp_path, '[coverage]\ngate_zone_m = "wide"\n'))
    with pytest.raises(ConfigError, match="response_good_s"):
        ScoringConfig.from_settings(settings_with(tmp_path, "[scoring.thresholds]\nresponse_good_s = 400\n"))
    with pytest.raises(ConfigError, match="mandatory_max_level"):
        ScoringConfig.from_settings(settings_with(tmp_path, '[scoring]\nmandatory_max_level = "ok"\n'))


def test_keys_declared_by_the_shipped_defaults_stay_allowed():
    # Another package may add a key (with its default) to a section; it never breaks this one.
    check_keys("app", {"language": "zh", "wall_rotate_s": 20}, ())
    with pytest.raises(ConfigError, match=r"\[app\].*walll_rotate_s"):
        check_keys("app", {"walll_rotate_s": 20}, ())


def test_config_values_change_the_score(tmp_path):
    settings = settings_with(tmp_path, "[scoring.thresholds]\nresponse_good_s = 60\nresponse_limit_s = 120\n")
    sc = ScoringConfig.from_settings(settings)
    assert (sc.response_good_s, sc.response_limit_s) == (60.0, 120.0)


def test_cli_bad_key_is_one_line(tmp_path, capsys, demo_store):
    path = tmp_path / "bad.toml"
    path.write_text("[scoring]\nfoo = 1\n", encoding="utf-8")
    code = main(["--db", demo_store.url, "--config", str(path), "coverage", "--out", str(tmp_path / "c.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "[scoring]" in err and "foo" in err
