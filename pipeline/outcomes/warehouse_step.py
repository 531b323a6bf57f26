"""The outcome layer's part of the warehouse build: the endpoint dimension from the config, and the class
pools computed in Python (statsmodels) from the whole warehouse after the splice.

Pooling needs every trial of a class, so it cannot be patched per record like trial_effects: every build,
incremental included, pools again from the trial_effects and trial_classes marts (both whole once the
splice is done). A trial of a subclass counts for every ancestor class too, as in the evidence tables.
Rows are read in a fixed order, so an incremental and a full build pool the same numbers in the same
order and give the same bits.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipeline.config import Settings
from pipeline.outcomes.mapping import endpoint_definitions
from pipeline.outcomes.schemas import CLASS_EFFECT_MEMBERS, CLASS_EFFECTS, ENDPOINTS
from pipeline.outcomes.taxonomy import Taxonomy

CONFIG_ENDPOINTS_RELATION = "src_config_endpoints"
CLASS_EFFECTS_RELATION = "src_outcomes_class_effects"
MEMBERS_RELATION = "src_outcomes_class_effect_members"
POOLED_RELATIONS: dict[str, pa.Schema] = {
    CLASS_EFFECTS_RELATION: CLASS_EFFECTS,
    MEMBERS_RELATION: CLASS_EFFECT_MEMBERS,
}
# The marts pooling reads: each is derived before the splice, so it is whole when pooling runs.
POOLING_READS = ("trial_effects", "trial_classes", "treatment_class_ancestry")

SELECTED_EFFECTS_SQL = """
SELECT * FROM trial_effects
WHERE selected_for_pooling
ORDER BY nct_id, outcome_idx, active_group_id
"""
# A trial of a class counts for the class and every ancestor (int_class_membership does the same for the
# evidence tables, after pooling has run).
CLASS_MEMBERSHIP_SQL = """
SELECT DISTINCT c.nct_id, a.treatment_class
FROM trial_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class
ORDER BY c.nct_id, a.treatment_class
"""


def endpoint_rows(settings: Settings) -> pa.Table:
    """The configured endpoints (ENDPOINTS) for the ``endpoints`` dimension; empty without a taxonomy."""
    if settings.endpoints is None:
        return ENDPOINTS.empty_table()
    return endpoint_definitions(Taxonomy.from_settings(settings))


def pool_in_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, pa.Table]:
    """The pooled class effects and their members over the warehouse ``con`` holds, as the relations
    POOLED_RELATIONS names (the staging views read them)."""
    if settings.endpoints is None:
        return {name: schema.empty_table() for name, schema in POOLED_RELATIONS.items()}
    from pipeline.outcomes.pooling import pool_class_effects  # statsmodels: loaded when a build pools

    effects = con.sql(SELECTED_EFFECTS_SQL).to_arrow_table()
    membership = con.sql(CLASS_MEMBERSHIP_SQL).to_arrow_table()
    pooled = pool_class_effects(effects, membership, Taxonomy.from_settings(settings))
    return {CLASS_EFFECTS_RELATION: pooled.class_effects, MEMBERS_RELATION: pooled.members}
