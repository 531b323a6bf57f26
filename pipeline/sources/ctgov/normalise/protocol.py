"""Rows from a study's protocolSection: the trial itself and its lists (conditions, arms, ...)."""

from __future__ import annotations

from typing import Any

from pipeline.sources.ctgov.normalise.dates import parse_partial_date
from pipeline.sources.ctgov.normalise.enums import check
from pipeline.sources.ctgov.normalise.phase import canonical_phase
from pipeline.sources.ctgov.normalise.rows import EMPTY, PageRows, str_list
from pipeline.sources.ctgov.normalise.status import status_group

# (statusModule key, column prefix), in TRIALS column order.
DATE_STRUCTS = (
    ("startDateStruct", "start_date"),
    ("primaryCompletionDateStruct", "primary_completion_date"),
    ("completionDateStruct", "completion_date"),
    ("studyFirstPostDateStruct", "first_post_date"),
    ("resultsFirstPostDateStruct", "results_first_post_date"),
    ("lastUpdatePostDateStruct", "last_update_post_date"),
)
OUTCOME_KINDS = (
    ("primary", "primaryOutcomes"),
    ("secondary", "secondaryOutcomes"),
    ("other", "otherOutcomes"),
)


def add_protocol_lists(protocol: dict[str, Any], nct_id: str, rows: PageRows, unknown: list[str]) -> None:
    """Conditions, interventions, arms, design outcomes and references of one study."""
    conditions = str_list((protocol.get("conditionsModule") or EMPTY).get("conditions"), "conditions")
    for idx, condition in enumerate(conditions or ()):
        if condition is not None:
            rows.conditions.append((nct_id, idx, condition))

    arms_module = protocol.get("armsInterventionsModule") or EMPTY
    for idx, item in enumerate(arms_module.get("interventions") or ()):
        rows.interventions.append(
            (
                nct_id,
                idx,
                check("interventions.type", item.get("type"), unknown),
                item.get("name"),
                item.get("description"),
                str_list(item.get("otherNames"), "interventions.otherNames"),
                str_list(item.get("armGroupLabels"), "interventions.armGroupLabels"),
            )
        )
    for idx, arm in enumerate(arms_module.get("armGroups") or ()):
        rows.arms.append(
            (
                nct_id,
                idx,
                arm.get("label"),
                check("armGroups.type", arm.get("type"), unknown),
                arm.get("description"),
                str_list(arm.get("interventionNames"), "armGroups.interventionNames"),
            )
        )

    outcomes_module = protocol.get("outcomesModule") or EMPTY
    for kind, key in OUTCOME_KINDS:
        for idx, outcome in enumerate(outcomes_module.get(key) or ()):
            rows.design_outcomes.append(
                (
                    nct_id,
                    kind,
                    idx,
                    outcome.get("measure"),
                    outcome.get("description"),
                    outcome.get("timeFrame"),
                )
            )

    references = (protocol.get("referencesModule") or EMPTY).get("references") or ()
    for idx, ref in enumerate(references):
        pmid = ref.get("pmid")
        rows.references.append(
            (
                nct_id,
                idx,
                str(pmid) if isinstance(pmid, int) else pmid,
                check("references.type", ref.get("type"), unknown),
                ref.get("citation"),
            )
        )


def trial_row(study: dict[str, Any], nct_id: str, rows: PageRows, unknown: list[str]) -> tuple[Any, ...]:
    """The TRIALS row; built last so ``unknown`` already holds what the study's lists reported."""
    protocol = study["protocolSection"]
    ident = protocol.get("identificationModule") or EMPTY
    status = protocol.get("statusModule") or EMPTY
    design = protocol.get("designModule") or EMPTY
    info = design.get("designInfo") or EMPTY
    enrollment_info = design.get("enrollmentInfo") or EMPTY
    sponsor = (protocol.get("sponsorCollaboratorsModule") or EMPTY).get("leadSponsor") or EMPTY

    overall_status = status.get("overallStatus")
    group, bad_status = status_group(overall_status)
    if bad_status:
        unknown.append(bad_status)
    phases = str_list(design.get("phases"), "phases")
    phase, bad_phase = canonical_phase(phases)
    if bad_phase:
        unknown.append(bad_phase)

    dates: list[Any] = []
    for key, prefix in DATE_STRUCTS:
        struct = status.get(key) or EMPTY
        raw = struct.get("date")
        parsed, precision = parse_partial_date(raw)
        if raw is not None and parsed is None:
            rows.unparseable_dates[f"{prefix}={raw}"] += 1
        dates += (raw, parsed, precision, check("dateStruct.type", struct.get("type"), unknown))

    has_results = study.get("hasResults")
    if not isinstance(has_results, bool):
        has_results = "resultsSection" in study

    return (
        nct_id,
        ident.get("briefTitle"),
        ident.get("officialTitle"),
        ident.get("acronym"),
        (ident.get("orgStudyIdInfo") or EMPTY).get("id"),
        overall_status,
        group,
        status.get("whyStopped"),
        check("studyType", design.get("studyType"), unknown),
        phases,
        phase,
        check("allocation", info.get("allocation"), unknown),
        check("interventionModel", info.get("interventionModel"), unknown),
        check("primaryPurpose", info.get("primaryPurpose"), unknown),
        check("masking", (info.get("maskingInfo") or EMPTY).get("masking"), unknown),
        _enrollment(enrollment_info.get("count"), unknown),
        check("enrollmentInfo.type", enrollment_info.get("type"), unknown),
        *dates,
        sponsor.get("name"),
        check("leadSponsor.class", sponsor.get("class"), unknown),
        (protocol.get("descriptionModule") or EMPTY).get("briefSummary"),
        str_list((protocol.get("conditionsModule") or EMPTY).get("keywords"), "keywords"),
        has_results,
        unknown,
    )


def _enrollment(count: Any, unknown: list[str]) -> int | None:
    """The API sends an integer; a numeric string is accepted, anything else is reported."""
    if count is None or type(count) is int:
        return count
    if isinstance(count, str) and count.strip().isdigit():
        return int(count)
    unknown.append(f"enrollmentInfo.count={count}")
    return None
