"""Rows of the transcribed pivotal trials (tests/fixtures/outcomes/, every number's source in SOURCES.md)
for warehouse tests that lay out runs by hand: the real normaliser's tables of each study as row dicts
(provenance left to the writer), its class written by hand as the builders do, and the shipped endpoint
taxonomy for settings that derive outcome tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from ctgov_parquet_builder import Rows, trial_class

from pipeline.config import EndpointSettings, Settings, load_config
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.schemas import PROVENANCE, TABLES
from pipeline.sources.ctgov.normalise.tables import normalise_page

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIBED = REPO_ROOT / "tests" / "fixtures" / "outcomes"
ARISE, EVOLVE_2, HALO_EM, STRIVE = "NCT02483585", "NCT02614196", "NCT02629861", "NCT02456740"
DRUGS = {ARISE: "erenumab", STRIVE: "erenumab", EVOLVE_2: "galcanezumab", HALO_EM: "fremanezumab"}
_PROVENANCE = {field.name for field in PROVENANCE}


@cache
def shipped_endpoints() -> EndpointSettings:
    endpoints = load_config(REPO_ROOT / "config.yaml").endpoints
    assert endpoints is not None
    return endpoints


def with_endpoints(settings: Settings) -> Settings:
    """``settings`` with the endpoint taxonomy of config.yaml, so runs get real outcome tables."""
    return settings.model_copy(update={"endpoints": shipped_endpoints()})


def transcribed(nct_id: str, revise: Callable[[dict[str, Any]], None] | None = None) -> Rows:
    """One transcribed trial's rows in every ctgov table, classed cgrp_mab by hand; ``revise`` edits the
    study document first (a sponsor correcting a posted number, say)."""
    doc = json.loads(next(TRANSCRIBED.glob(f"{nct_id}_*.json")).read_text(encoding="utf-8"))
    if revise is not None:
        revise(doc)
    stamp = Provenance("transcribed", datetime(2026, 1, 1, tzinfo=UTC), None)
    tables = normalise_page(json.dumps({"studies": [doc]}).encode(), stamp, f"{nct_id} transcribed")
    rows: Rows = {
        name: [{k: v for k, v in row.items() if k not in _PROVENANCE} for row in table.to_pylist()]
        for name, table in tables.items()
        if name in TABLES
    }
    drug = DRUGS[nct_id]
    rows["trial_classes"] = [trial_class(nct_id, "cgrp_mab", drug, drug.title())]
    return rows


def outcome_measures(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
