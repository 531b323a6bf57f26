"""All outcome tables of one run from the ClinicalTrials.gov normaliser's tables: the one call to wire.

Pure (no file or DuckDB access) and per trial, so the normaliser calls it on each page's tables (or the
derive step on a run's Parquet tables) and writes the result; ``bench/`` can time it alone (mapping +
effects are the per-study cost, pooling is per class).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from pipeline.outcomes.effects import compute_effects
from pipeline.outcomes.mapping import endpoint_definitions, map_endpoints
from pipeline.outcomes.pooling import pool_class_effects
from pipeline.outcomes.taxonomy import Taxonomy

# ClinicalTrials.gov tables read, by their Parquet folder name (pipeline/sources/ctgov/normalise/schemas.py).
CTGOV_INPUTS = (
    "trials",
    "conditions",
    "interventions",
    "arms",
    "design_outcomes",
    "result_outcomes",
    "result_groups",
    "result_measurements",
    "result_analyses",
)


def trial_outcome_tables(ctgov: Mapping[str, pa.Table], taxonomy: Taxonomy) -> dict[str, pa.Table]:
    """trial_endpoints and trial_effects: the per-study part (what a benchmark at 50k studies times)."""
    missing = [name for name in CTGOV_INPUTS if name not in ctgov]
    if missing:
        raise ValueError(f"outcome tables need the ctgov tables {', '.join(missing)}")
    endpoints = map_endpoints(
        ctgov["design_outcomes"], ctgov["result_outcomes"], taxonomy, ctgov["trials"], ctgov["conditions"]
    )
    effects = compute_effects(endpoints, ctgov, taxonomy)
    return {"trial_endpoints": endpoints, "trial_effects": effects}


def outcome_tables(
    ctgov: Mapping[str, pa.Table], trial_classes: pa.Table, taxonomy: Taxonomy
) -> dict[str, pa.Table]:
    """Every table of pipeline.outcomes.schemas.TABLES, keyed by that name."""
    tables = trial_outcome_tables(ctgov, taxonomy)
    pooled = pool_class_effects(tables["trial_effects"], trial_classes, taxonomy)
    return {
        "endpoints": endpoint_definitions(taxonomy),
        **tables,
        "class_effects": pooled.class_effects,
        "class_effect_members": pooled.members,
    }
