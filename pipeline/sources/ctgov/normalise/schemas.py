"""Arrow schemas of the ClinicalTrials.gov Parquet tables: the contract between normaliser and warehouse.

Every table carries the same provenance columns so any row can be traced to the raw page it came from.
Raw enum values are kept beside their canonical forms; partial dates keep the registry's string and add
a parsed first-day date plus its precision (day, month or year).
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
STR_LIST = pa.list_(pa.string())

PROVENANCE = [
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("fetched_at", TS, nullable=False),
    pa.field("data_timestamp", pa.string()),
]


def _date_fields(prefix: str, with_type: bool = True) -> list[pa.Field]:
    fields = [
        pa.field(f"{prefix}_raw", pa.string()),
        pa.field(prefix, pa.date32()),
        pa.field(f"{prefix}_precision", pa.string()),
    ]
    if with_type:
        fields.append(pa.field(f"{prefix}_type", pa.string()))
    return fields


def _schema(fields: list[pa.Field]) -> pa.Schema:
    return pa.schema([*fields, *PROVENANCE])


TRIALS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("brief_title", pa.string()),
        pa.field("official_title", pa.string()),
        pa.field("acronym", pa.string()),
        pa.field("org_study_id", pa.string()),
        pa.field("overall_status", pa.string()),
        pa.field("status_group", pa.string(), nullable=False),
        pa.field("why_stopped", pa.string()),
        pa.field("study_type", pa.string()),
        pa.field("phases_raw", STR_LIST),
        pa.field("phase", pa.string()),
        pa.field("allocation", pa.string()),
        pa.field("intervention_model", pa.string()),
        pa.field("primary_purpose", pa.string()),
        pa.field("masking", pa.string()),
        pa.field("enrollment", pa.int64()),
        pa.field("enrollment_type", pa.string()),
        *_date_fields("start_date"),
        *_date_fields("primary_completion_date"),
        *_date_fields("completion_date"),
        *_date_fields("first_post_date"),
        *_date_fields("results_first_post_date"),
        *_date_fields("last_update_post_date"),
        pa.field("lead_sponsor", pa.string()),
        pa.field("lead_sponsor_class", pa.string()),
        pa.field("brief_summary", pa.string()),
        pa.field("keywords", STR_LIST),
        pa.field("has_results", pa.bool_(), nullable=False),
        pa.field("unknown_values", STR_LIST),
        # sha256 of the study's JSON as received: a drift re-read with the same hash is not a new
        # version (see ctgov_rereads). Nullable: partitions written before it read as NULL.
        pa.field("content_sha256", pa.string()),
    ]
)

CONDITIONS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("condition_idx", pa.int32(), nullable=False),
        pa.field("condition", pa.string(), nullable=False),
    ]
)

INTERVENTIONS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("intervention_idx", pa.int32(), nullable=False),
        pa.field("intervention_type", pa.string()),
        pa.field("name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("other_names", STR_LIST),
        pa.field("arm_group_labels", STR_LIST),
    ]
)

ARMS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("arm_idx", pa.int32(), nullable=False),
        pa.field("label", pa.string()),
        pa.field("arm_type", pa.string()),
        pa.field("description", pa.string()),
        pa.field("intervention_names", STR_LIST),
    ]
)

DESIGN_OUTCOMES = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_kind", pa.string(), nullable=False),  # primary / secondary / other
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("measure", pa.string()),
        pa.field("description", pa.string()),
        pa.field("time_frame", pa.string()),
    ]
)

RESULT_OUTCOMES = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("outcome_type", pa.string()),  # PRIMARY / SECONDARY / OTHER_PRE_SPECIFIED / POST_HOC
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("population_description", pa.string()),
        pa.field("reporting_status", pa.string()),
        pa.field("param_type", pa.string()),
        pa.field("dispersion_type", pa.string()),
        pa.field("unit_of_measure", pa.string()),
        pa.field("time_frame", pa.string()),
    ]
)

RESULT_GROUPS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("group_id", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("denom_units", pa.string()),
        pa.field("denom_value_raw", pa.string()),
        pa.field("denom_value", pa.float64()),
    ]
)

RESULT_MEASUREMENTS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("group_id", pa.string(), nullable=False),
        pa.field("class_title", pa.string()),
        pa.field("category_title", pa.string()),
        pa.field("value_raw", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("spread_raw", pa.string()),
        pa.field("spread", pa.float64()),
        pa.field("lower_limit_raw", pa.string()),
        pa.field("lower_limit", pa.float64()),
        pa.field("upper_limit_raw", pa.string()),
        pa.field("upper_limit", pa.float64()),
        pa.field("comment", pa.string()),
    ]
)

RESULT_ANALYSES = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("analysis_idx", pa.int32(), nullable=False),
        pa.field("group_ids", STR_LIST),
        pa.field("group_description", pa.string()),  # the sponsor's words on which groups are compared
        pa.field("p_value_raw", pa.string()),
        pa.field("p_value", pa.float64()),
        pa.field("p_value_comment", pa.string()),
        pa.field("statistical_method", pa.string()),
        pa.field("statistical_comment", pa.string()),
        pa.field("param_type", pa.string()),
        pa.field("param_value_raw", pa.string()),
        pa.field("param_value", pa.float64()),
        # The estimate's own spread: STANDARD_ERROR_OF_MEAN (the SE of the difference) or STANDARD_DEVIATION.
        pa.field("dispersion_type", pa.string()),
        pa.field("dispersion_value_raw", pa.string()),
        pa.field("dispersion_value", pa.float64()),
        pa.field("ci_pct_value", pa.float64()),
        pa.field("ci_num_sides", pa.string()),
        pa.field("ci_lower_limit_raw", pa.string()),
        pa.field("ci_lower_limit", pa.float64()),
        pa.field("ci_upper_limit_raw", pa.string()),
        pa.field("ci_upper_limit", pa.float64()),
        pa.field("non_inferiority_type", pa.string()),
        pa.field("estimate_comment", pa.string()),
    ]
)

REFERENCES = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("reference_idx", pa.int32(), nullable=False),
        pa.field("pmid", pa.string()),
        pa.field("reference_type", pa.string()),  # BACKGROUND / RESULT / DERIVED
        pa.field("citation", pa.string()),
    ]
)

# MeSH terms the registry derived for a study's interventions (derivedSection.interventionBrowseModule):
# mesh_kind "mesh" for a descriptor (or supplementary concept) an intervention maps to, "ancestor" for a
# broader descriptor above one. The module's browseLeaves and browseBranches are not kept: they repeat
# these terms under the registry's own ids, plus its browsing categories.
INTERVENTION_MESH = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("mesh_kind", pa.string(), nullable=False),  # mesh / ancestor
        pa.field("mesh_idx", pa.int32(), nullable=False),
        pa.field("mesh_id", pa.string()),
        pa.field("term", pa.string()),
    ]
)

TRIAL_CLASSES = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("matched_field", pa.string(), nullable=False),
        pa.field("matched_term", pa.string(), nullable=False),
        pa.field("matched_text", pa.string()),
        # intervention / mesh / title / summary (config.MATCH_STRENGTHS): how directly the record names it.
        # Nullable: partitions classified before it read as NULL (they matched interventions and arms only).
        pa.field("match_strength", pa.string()),
    ]
)

# Drift re-reads whose study was identical to its stored version: only the fact that it was read (the
# drift planner picks the oldest-read trials), not a new version. Written beside TABLES by the normaliser.
REREADS = _schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("content_sha256", pa.string(), nullable=False),
    ]
)

# Table name (the Parquet folder under data_dir/parquet/ctgov/) -> schema.
TABLES: dict[str, pa.Schema] = {
    "trials": TRIALS,
    "conditions": CONDITIONS,
    "interventions": INTERVENTIONS,
    "arms": ARMS,
    "design_outcomes": DESIGN_OUTCOMES,
    "result_outcomes": RESULT_OUTCOMES,
    "result_groups": RESULT_GROUPS,
    "result_measurements": RESULT_MEASUREMENTS,
    "result_analyses": RESULT_ANALYSES,
    "references": REFERENCES,
    "intervention_mesh": INTERVENTION_MESH,
}
