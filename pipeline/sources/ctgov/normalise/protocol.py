"""Rows from a study's protocolSection: the trial itself and its lists (conditions, arms, ...)."""

from __future__ import annotations

from typing import Any

from pipeline.parquet.columns import Columns
from pipeline.sources.ctgov.normalise.dates import parse_partial_date
from pipeline.sources.ctgov.normalise.enums import check
from pipeline.sources.ctgov.normalise.phase import canonical_phase
from pipeline.sources.ctgov.normalise.rows import EMPTY, PageRows, str_list
from pipeline.sources.ctgov.normalise.status import status_group

# statusModule key -> the trial columns of that date, in TRIALS column order.
DATE_STRUCTS = tuple(
    (key, prefix, f"{prefix}_raw", f"{prefix}_precision", f"{prefix}_type")
    for key, prefix in (
        ("startDateStruct", "start_date"),
        ("primaryCompletionDateStruct", "primary_completion_date"),
        ("completionDateStruct", "completion_date"),
        ("studyFirstPostDateStruct", "first_post_date"),
        ("resultsFirstPostDateStruct", "results_first_post_date"),
        ("lastUpdatePostDateStruct", "last_update_post_date"),
    )
)
OUTCOME_KINDS = (
    ("primary", "primaryOutcomes"),
    ("secondary", "secondaryOutcomes"),
    ("other", "otherOutcomes"),
)


def add_protocol_lists(protocol: dict[str, Any], nct_id: str, rows: PageRows, unknown: list[str]) -> None:
    """Conditions, interventions, arms, design outcomes and references of one study."""
    tables = rows.tables
    conditions = str_list((protocol.get("conditionsModule") or EMPTY).get("conditions"), "conditions")
    column = tables["conditions"].columns
    for idx, condition in enumerate(conditions or ()):
        if condition is not None:
            column["nct_id"].append(nct_id)
            column["condition_idx"].append(idx)
            column["condition"].append(condition)

    arms_module = protocol.get("armsInterventionsModule") or EMPTY
    column = tables["interventions"].columns
    for idx, item in enumerate(arms_module.get("interventions") or ()):
        column["nct_id"].append(nct_id)
        column["intervention_idx"].append(idx)
        column["intervention_type"].append(check("interventions.type", item.get("type"), unknown))
        column["name"].append(item.get("name"))
        column["description"].append(item.get("description"))
        column["other_names"].append(str_list(item.get("otherNames"), "interventions.otherNames"))
        labels = str_list(item.get("armGroupLabels"), "interventions.armGroupLabels")
        column["arm_group_labels"].append(labels)
    column = tables["arms"].columns
    for idx, arm in enumerate(arms_module.get("armGroups") or ()):
        column["nct_id"].append(nct_id)
        column["arm_idx"].append(idx)
        column["label"].append(arm.get("label"))
        column["arm_type"].append(check("armGroups.type", arm.get("type"), unknown))
        column["description"].append(arm.get("description"))
        names = str_list(arm.get("interventionNames"), "armGroups.interventionNames")
        column["intervention_names"].append(names)

    outcomes_module = protocol.get("outcomesModule") or EMPTY
    column = tables["design_outcomes"].columns
    for kind, key in OUTCOME_KINDS:
        for idx, outcome in enumerate(outcomes_module.get(key) or ()):
            column["nct_id"].append(nct_id)
            column["outcome_kind"].append(kind)
            column["outcome_idx"].append(idx)
            column["measure"].append(outcome.get("measure"))
            column["description"].append(outcome.get("description"))
            column["time_frame"].append(outcome.get("timeFrame"))

    column = tables["references"].columns
    for idx, ref in enumerate((protocol.get("referencesModule") or EMPTY).get("references") or ()):
        pmid = ref.get("pmid")
        column["nct_id"].append(nct_id)
        column["reference_idx"].append(idx)
        column["pmid"].append(str(pmid) if isinstance(pmid, int) else pmid)
        column["reference_type"].append(check("references.type", ref.get("type"), unknown))
        column["citation"].append(ref.get("citation"))


def add_trial(study: dict[str, Any], nct_id: str, digest: str, rows: PageRows, unknown: list[str]) -> None:
    """The TRIALS row; added last so ``unknown`` already holds what the study's lists reported.

    The order of the ``check`` calls is the order of the reported tokens in ``unknown_values``.
    """
    protocol = study["protocolSection"]
    ident = protocol.get("identificationModule") or EMPTY
    status = protocol.get("statusModule") or EMPTY
    design = protocol.get("designModule") or EMPTY
    sponsor = (protocol.get("sponsorCollaboratorsModule") or EMPTY).get("leadSponsor") or EMPTY
    trial = rows.tables["trials"].columns

    overall_status = status.get("overallStatus")
    group, bad_status = status_group(overall_status)
    if bad_status:
        unknown.append(bad_status)
    phases = str_list(design.get("phases"), "phases")
    phase, bad_phase = canonical_phase(phases)
    if bad_phase:
        unknown.append(bad_phase)

    _add_dates(status, rows, unknown)

    has_results = study.get("hasResults")
    if not isinstance(has_results, bool):
        has_results = "resultsSection" in study

    trial["nct_id"].append(nct_id)
    trial["brief_title"].append(ident.get("briefTitle"))
    trial["official_title"].append(ident.get("officialTitle"))
    trial["acronym"].append(ident.get("acronym"))
    trial["org_study_id"].append((ident.get("orgStudyIdInfo") or EMPTY).get("id"))
    trial["overall_status"].append(overall_status)
    trial["status_group"].append(group)
    trial["why_stopped"].append(status.get("whyStopped"))
    trial["phases_raw"].append(phases)
    trial["phase"].append(phase)
    _add_design(design, trial, unknown)
    trial["lead_sponsor"].append(sponsor.get("name"))
    trial["lead_sponsor_class"].append(check("leadSponsor.class", sponsor.get("class"), unknown))
    trial["brief_summary"].append((protocol.get("descriptionModule") or EMPTY).get("briefSummary"))
    keywords = (protocol.get("conditionsModule") or EMPTY).get("keywords")
    trial["keywords"].append(str_list(keywords, "keywords"))
    trial["has_results"].append(has_results)
    trial["unknown_values"].append(unknown)
    trial["content_sha256"].append(digest)


def _add_dates(status: dict[str, Any], rows: PageRows, unknown: list[str]) -> None:
    """Each status date as its registry string, its first day, its precision and its type."""
    trial = rows.tables["trials"].columns
    for key, column, raw_column, precision_column, type_column in DATE_STRUCTS:
        struct = status.get(key) or EMPTY
        raw = struct.get("date")
        parsed, precision = parse_partial_date(raw)
        if raw is not None and parsed is None:
            rows.unparseable_dates[f"{column}={raw}"] += 1
        trial[raw_column].append(raw)
        trial[column].append(parsed)
        trial[precision_column].append(precision)
        trial[type_column].append(check("dateStruct.type", struct.get("type"), unknown))


def _add_design(design: dict[str, Any], trial: Columns, unknown: list[str]) -> None:
    """Study type, design and enrollment, checked against their documented lists in this order."""
    info = design.get("designInfo") or EMPTY
    enrollment_info = design.get("enrollmentInfo") or EMPTY
    trial["study_type"].append(check("studyType", design.get("studyType"), unknown))
    trial["allocation"].append(check("allocation", info.get("allocation"), unknown))
    trial["intervention_model"].append(check("interventionModel", info.get("interventionModel"), unknown))
    trial["primary_purpose"].append(check("primaryPurpose", info.get("primaryPurpose"), unknown))
    trial["masking"].append(check("masking", (info.get("maskingInfo") or EMPTY).get("masking"), unknown))
    trial["enrollment"].append(_enrollment(enrollment_info.get("count"), unknown))
    trial["enrollment_type"].append(check("enrollmentInfo.type", enrollment_info.get("type"), unknown))


def _enrollment(count: Any, unknown: list[str]) -> int | None:
    """The API sends an integer; a numeric string is accepted, anything else is reported."""
    if count is None or type(count) is int:
        return count
    if isinstance(count, str) and count.strip().isdigit():
        return int(count)
    unknown.append(f"enrollmentInfo.count={count}")
    return None
