"""Coded registry fields checked against the ClinicalTrials.gov v2 value lists.

A value outside its list is kept as received (the registry adds values now and then) but reported as
``field=value`` in the trial's ``unknown_values`` and in the run summary, so a new code is noticed
instead of silently falling through every downstream filter. Phase and overall status have their own
modules because they are also mapped to canonical forms.
"""

from __future__ import annotations

from typing import Any

# Keyed by the API field name used in the reported token.
ALLOWED: dict[str, frozenset[str]] = {
    "studyType": frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"}),
    "allocation": frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"}),
    "interventionModel": frozenset({"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"}),
    "primaryPurpose": frozenset(
        {
            "TREATMENT",
            "PREVENTION",
            "DIAGNOSTIC",
            "ECT",
            "SUPPORTIVE_CARE",
            "SCREENING",
            "HEALTH_SERVICES_RESEARCH",
            "BASIC_SCIENCE",
            "DEVICE_FEASIBILITY",
            "OTHER",
        }
    ),
    "masking": frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"}),
    "enrollmentInfo.type": frozenset({"ACTUAL", "ESTIMATED"}),
    "dateStruct.type": frozenset({"ACTUAL", "ESTIMATED"}),
    "leadSponsor.class": frozenset(
        {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}
    ),
    "interventions.type": frozenset(
        {
            "BEHAVIORAL",
            "BIOLOGICAL",
            "COMBINATION_PRODUCT",
            "DEVICE",
            "DIAGNOSTIC_TEST",
            "DIETARY_SUPPLEMENT",
            "DRUG",
            "GENETIC",
            "OTHER",
            "PROCEDURE",
            "RADIATION",
        }
    ),
    "armGroups.type": frozenset(
        {
            "EXPERIMENTAL",
            "ACTIVE_COMPARATOR",
            "PLACEBO_COMPARATOR",
            "SHAM_COMPARATOR",
            "NO_INTERVENTION",
            "OTHER",
        }
    ),
    "references.type": frozenset({"BACKGROUND", "RESULT", "DERIVED"}),
    "outcomeMeasures.type": frozenset({"PRIMARY", "SECONDARY", "OTHER_PRE_SPECIFIED", "POST_HOC"}),
}


def check(field: str, value: Any, unknown: list[str]) -> Any:
    """Return ``value`` unchanged, first appending ``field=value`` to ``unknown`` if it is not allowed."""
    if value is not None and value not in ALLOWED[field]:
        unknown.append(f"{field}={value}")
    return value
