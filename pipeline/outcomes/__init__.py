"""Outcomes an analyst can compare: canonical migraine endpoints, effects against control, class pools.

Pure functions from the ClinicalTrials.gov normaliser's Arrow tables to the tables of ``schemas.TABLES``
(see tables.outcome_tables for the whole chain) and a forest plot as SVG bytes.
"""

from pipeline.outcomes.effects import compute_effects
from pipeline.outcomes.forest import ForestData, PoolKey, forest_data, forest_plot
from pipeline.outcomes.mapping import endpoint_definitions, map_endpoints
from pipeline.outcomes.pooling import ClassEffectTables, pool_class_effects
from pipeline.outcomes.tables import outcome_tables, trial_outcome_tables
from pipeline.outcomes.taxonomy import Taxonomy

__all__ = [
    "ClassEffectTables",
    "ForestData",
    "PoolKey",
    "Taxonomy",
    "compute_effects",
    "endpoint_definitions",
    "forest_data",
    "forest_plot",
    "map_endpoints",
    "outcome_tables",
    "pool_class_effects",
    "trial_outcome_tables",
]
