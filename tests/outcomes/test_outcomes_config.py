"""The endpoint taxonomy in config.yaml loads through the real loader, and a wrong key or value fails at
start-up with a message naming it (like treatment_classes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.outcomes.taxonomy import Taxonomy

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "pain_free_2h": ("risk_ratio", True),
    "mbs_free_2h": ("risk_ratio", True),
    "headache_relief_2h": ("risk_ratio", True),
    "sustained_pain_free": ("risk_ratio", True),
    "mmd_change": ("mean_difference", False),
    "mhd_change": ("mean_difference", False),
    "acute_med_days_change": ("mean_difference", False),
    "responder_50": ("risk_ratio", True),
    "hit6": ("mean_difference", False),
    "midas": ("mean_difference", False),
    "msq": ("mean_difference", True),
    "adverse_events": ("risk_ratio", False),
}


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_shipped_taxonomy_has_the_issue_endpoints_with_measures_and_directions():
    settings = load_config(REPO_ROOT / "config.yaml")
    definitions = settings.endpoints.definitions
    for code, (measure, higher) in REQUIRED.items():
        assert definitions[code].measure == measure, code
        assert definitions[code].higher_is_better is higher, code
        assert definitions[code].rules, code
    assert "other" in definitions and not definitions["other"].rules
    assert list(definitions)[-1] == "other"
    Taxonomy.from_settings(settings)  # every term compiles


def _load_with(tmp_path: Path, shipped: dict, endpoints: dict) -> None:
    data = {**shipped, "endpoints": endpoints}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_config(path)


def _endpoints(shipped: dict, code: str, **changes) -> dict:
    endpoints = yaml.safe_load(yaml.safe_dump(shipped["endpoints"]))
    endpoints["definitions"][code].update(changes)
    return endpoints


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"measure": "hazard_ratio"}, "endpoints.definitions.mmd_change.measure"),
        ({"colour": "red"}, "endpoints.definitions.mmd_change.colour: unknown key"),
        ({"at_hours": -2}, "endpoints.definitions.mmd_change.at_hours"),
        ({"rules": []}, "definitions.mmd_change.rules: give at least one rule"),
        ({"measure": None}, "definitions.mmd_change: give measure and higher_is_better"),
        ({"rules": [{"name": "x", "all_of": [["%%"]]}]}, "has no letters or digits"),
        ({"rules": [{"name": "x", "all_of": [["days"]], "any_of": [["y"]]}]}, "any_of: unknown key"),
        (
            {"rules": [{"name": "x", "all_of": [["days"]]}, {"name": "x", "all_of": [["weeks"]]}]},
            "rule names must be unique",
        ),
    ],
)
def test_a_wrong_endpoint_key_or_value_fails_naming_it(tmp_path, shipped, change, message):
    with pytest.raises(ConfigError, match="invalid config") as exc:
        _load_with(tmp_path, shipped, _endpoints(shipped, "mmd_change", **change))
    assert message in str(exc.value)


def test_other_is_required_and_takes_no_rules(tmp_path, shipped):
    endpoints = _endpoints(shipped, "other", rules=[{"name": "x", "all_of": [["days"]]}])
    with pytest.raises(ConfigError, match="'other' takes what no rule matches"):
        _load_with(tmp_path, shipped, endpoints)
    endpoints = yaml.safe_load(yaml.safe_dump(shipped["endpoints"]))
    del endpoints["definitions"]["other"]
    with pytest.raises(ConfigError, match="add an 'other' endpoint"):
        _load_with(tmp_path, shipped, endpoints)


def test_endpoint_codes_and_populations_are_checked(tmp_path, shipped):
    endpoints = yaml.safe_load(yaml.safe_dump(shipped["endpoints"]))
    endpoints["definitions"]["Pain-Free"] = endpoints["definitions"].pop("pain_free_2h")
    with pytest.raises(ConfigError, match="lower_snake_case"):
        _load_with(tmp_path, shipped, endpoints)
    endpoints = yaml.safe_load(yaml.safe_dump(shipped["endpoints"]))
    endpoints["populations"]["menstrual"] = ["menstrual migraine"]
    with pytest.raises(ConfigError, match=r"endpoints\.populations\.menstrual"):
        _load_with(tmp_path, shipped, endpoints)


def test_mixed_population_terms_are_optional_but_episodic_and_chronic_are_required(tmp_path, shipped):
    assert "mixed" in shipped["endpoints"]["populations"]
    endpoints = yaml.safe_load(yaml.safe_dump(shipped["endpoints"]))
    del endpoints["populations"]["mixed"]
    _load_with(tmp_path, shipped, endpoints)  # without mixed terms, only both named apart is mixed
    del endpoints["populations"]["chronic"]
    with pytest.raises(ConfigError, match="give terms for both populations: episodic and chronic"):
        _load_with(tmp_path, shipped, endpoints)


def test_endpoints_are_optional_but_the_taxonomy_then_says_it_is_missing(tmp_path, shipped):
    data = {k: v for k, v in shipped.items() if k != "endpoints"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_config(path)
    assert settings.endpoints is None
    with pytest.raises(ConfigError, match="no `endpoints` section"):
        Taxonomy.from_settings(settings)
