"""Bad input never crashes the build: posted results corrupted at random (numbers that are not numbers,
bounds, absurd sizes, dropped denominators, groups and analyses, unknown group ids and parameter types)
still give a refresh's derivation, a warehouse that passes every data check, and forest plots.

The studies are the transcribed pivotal trials, corrupted by a seeded generator: synthetic, never
presented as real; each seed is a reproducible case."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from refresh_layout import R1, data_settings, refresh_run, transcribed_docs

from pipeline.outcomes.plots import write_plots
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.query import run_query

NUMBER_KEYS = (
    "value",
    "spread",
    "lowerLimit",
    "upperLimit",
    "paramValue",
    "ciLowerLimit",
    "ciUpperLimit",
    "pValue",
    "ciPctValue",
    "dispersionValue",
)
BAD_NUMBERS = (
    "NA",
    "<0.001",
    ">0.999",
    "abc",
    "",
    "-",
    "0",
    "-5",
    "1e308",
    "-1e308",
    "1e-300",
    "1,234",
    "∞",
    "NaN",
)
LIST_KEYS = ("denoms", "groups", "analyses", "classes", "categories", "measurements", "counts")
ODD_TYPES = (
    "Slope",
    "Risk Ratio (RR)",
    "Odds Ratio",
    "Hazard Ratio",
    "MEDIAN",
    None,
    "Mean Difference (Net)",
)


def corrupt(node: Any, rng: random.Random) -> None:
    """Damage a results section in place, a few places at a time."""
    if isinstance(node, dict):
        for key in list(node):
            roll = rng.random()
            if key in NUMBER_KEYS and roll < 0.3:
                node[key] = rng.choice(BAD_NUMBERS)
            elif key in LIST_KEYS and roll < 0.08:
                node[key] = [] if rng.random() < 0.5 else node[key][:1]
            elif key in ("groupId",) and roll < 0.05:
                node[key] = "OG999"
            elif key in ("paramType", "dispersionType", "ciNumSides", "unitOfMeasure") and roll < 0.15:
                node[key] = rng.choice(ODD_TYPES)
            elif key == "groupIds" and roll < 0.1:
                node[key] = rng.choice([[], ["OG000"], ["OG000", "OG000"], ["OG001", "OG000", "OG002"]])
            else:
                corrupt(node[key], rng)
    elif isinstance(node, list):
        for item in node:
            corrupt(item, rng)


def corrupted(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = copy.deepcopy(transcribed_docs())
    for doc in docs:
        corrupt(doc.get("resultsSection"), rng)
    return docs


@pytest.mark.parametrize("seed", range(12))
def test_corrupted_results_build_a_checked_warehouse_and_plots(tmp_path: Path, seed: int) -> None:
    settings = data_settings(tmp_path)
    refresh_run(settings, R1, corrupted(seed))
    build_warehouse(settings)  # every data check passes, or this raises
    _, rows = run_query(
        settings.warehouse.path,
        "SELECT count(*), count(estimate), count(not_computed_reason) FROM trial_effects",
    )
    total, with_estimate, with_reason = rows[0]
    assert total == with_estimate + with_reason > 0
    write_plots(settings.warehouse.path, tmp_path / "plots")
