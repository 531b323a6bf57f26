"""The forest plot is valid SVG with one row per comparison, the pooled diamond and, from three
comparisons on, the prediction interval."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from outcome_support import tables_of_files, taxonomy, transcribed_files, trial_classes

from pipeline.outcomes import ClassEffectTables, PoolKey, forest_data, forest_plot, outcome_tables

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def tables() -> dict:
    ctgov = tables_of_files(transcribed_files())
    return outcome_tables(ctgov, trial_classes(ctgov), taxonomy())


def _ids(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [el.get("id") for el in root.iter() if el.get("id")]


def _plot(tables, cls, code, population, image_format="svg") -> bytes:
    pooled = ClassEffectTables(tables["class_effects"], tables["class_effect_members"])
    return forest_plot(forest_data(pooled, PoolKey(cls, code, population), taxonomy()), image_format)


def test_forest_plot_has_a_row_per_trial_comparison_the_diamond_and_the_prediction_interval(tables):
    svg = _plot(tables, "cgrp_antibody", "mmd_change", "episodic")
    ids = _ids(svg)
    assert sorted(i for i in ids if i.startswith("trial-row-")) == [f"trial-row-{i}" for i in range(5)]
    assert ids.count("pooled-diamond") == 1 and ids.count("prediction-interval") == 1
    text = svg.decode()
    assert "NCT02614196 Galcanezumab 120mg vs Placebo" in text
    assert "Pooled (3 trials, 5 comparisons)" in text


def test_forest_plot_of_a_one_trial_pool_has_no_prediction_interval(tables):
    ids = _ids(_plot(tables, "gepant", "pain_free_2h", "not_stated"))
    assert len([i for i in ids if i.startswith("trial-row-")]) == 2
    assert "pooled-diamond" in ids and "prediction-interval" not in ids


def test_forest_plot_of_an_unknown_pool_says_so(tables):
    with pytest.raises(ValueError, match="no pooled effect for gepant x hit6 x episodic"):
        _plot(tables, "gepant", "hit6", "episodic")


def test_forest_plot_as_png_and_the_same_bytes_for_the_same_data(tables):
    png = _plot(tables, "cgrp_antibody", "mmd_change", "episodic", "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert _plot(tables, "cgrp_antibody", "mmd_change", "episodic") == _plot(
        tables, "cgrp_antibody", "mmd_change", "episodic"
    )
    with pytest.raises(ValueError, match="image format 'gif': expected one of svg, png"):
        _plot(tables, "cgrp_antibody", "mmd_change", "episodic", "gif")
