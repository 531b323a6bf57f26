"""The report says where its results come from: posted on ClinicalTrials.gov by default, transcribed from
the trials' publications when config ``report.results_from`` says so (the demo's records), and then never
calls them registry-posted: not in the effects notes, the class tiles or the page's notes."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import yaml

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.outcomes.plots import plots_dir
from pipeline.report.writer import write_report
from tests.report.conftest import select

REGISTRY_NOTE = "Results posted on ClinicalTrials.gov"
REGISTRY_TILE = "with results posted on ClinicalTrials.gov ("


def _text(nodes) -> list[str]:
    return [" ".join(n.text_content().split()) for n in nodes]


def test_transcribed_results_are_never_called_registry_posted(effects_report):
    assert effects_report.settings.report.results_from == "publications"
    tree = effects_report.tree
    notes = select(tree, ".effects .note")
    assert notes, "the demo's records have effects"
    for note in _text(notes):
        assert note.startswith("Results transcribed by hand from the trials' publications, not posted"), note
    assert {n.get("data-results-from") for n in notes} == {"publications"}
    assert REGISTRY_NOTE not in effects_report.html
    tiles = _text(select(tree, ".tile-label"))
    assert not [t for t in tiles if REGISTRY_TILE in t]
    assert any("posted on ClinicalTrials.gov or transcribed from a publication" in t for t in tiles)
    (about,) = _text(select(tree, "#about"))
    assert "every effect shown here comes from such transcriptions, not from the registry" in about
    assert "Registry results only" not in about


def test_by_default_the_same_effects_are_said_to_be_posted_on_the_registry(effects_report, tmp_path: Path):
    settings = effects_report.settings
    summary = write_report(settings.warehouse.path, tmp_path / "report", plots_dir(settings))
    tree = lxml.html.fromstring(summary.path.read_text(encoding="utf-8"))
    notes = _text(select(tree, ".effects .note"))
    assert notes and all(n.startswith(f"{REGISTRY_NOTE}, as effects") for n in notes)
    assert any(REGISTRY_TILE in t for t in _text(select(tree, ".tile-label")))
    assert "transcribed" not in " ".join(_text(select(tree, "#about")))


def test_results_from_takes_only_registry_or_publications(tmp_path: Path):
    path = tmp_path / "config.yaml"
    classes = {"cgrp": {"label": "CGRP", "terms": ["erenumab"]}}
    path.write_text(
        yaml.safe_dump({"treatment_classes": classes, "report": {"results_from": "sponsor"}}), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"report\.results_from"):
        load_config(path)
