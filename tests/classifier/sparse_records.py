"""Hand-written ClinicalTrials.gov records in the API v2 shape, for the classifier's later tiers.

Invented on purpose (not registry data, NCT ids from NCT99000001 up): provocation studies, comparator
and background wording, sparse and generically named interventions, derived MeSH, beyond the real
fixtures. Each goes through the real normaliser, so the classifier reads what a run would write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

import orjson
import pyarrow as pa

from pipeline.classify.classifier import Classifier, classify_ctgov_tables
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.tables import normalise_page

PROVENANCE = Provenance("20261205T100000Z-sp01", datetime(2026, 12, 5, 10, 0, tzinfo=UTC), "2026-12-04")
INPUTS = ("trials", "interventions", "arms", "intervention_mesh")


class StudyParts(TypedDict, total=False):
    """What a record may hold besides its id and brief title."""

    official: str
    summary: str
    interventions: list[tuple[str | None, str]]  # (type, name)
    arms: list[tuple[str | None, str, list[str]]]  # (type, label, ["Type: Name", ...])
    meshes: list[tuple[str, str]]  # (id, term)
    ancestors: list[tuple[str, str]]


def study(nct_id: str, title: str, **parts: Unpack[StudyParts]) -> dict[str, Any]:
    """A v2 study with the given parts (a module is left out when its part is not given)."""
    official, summary = parts.get("official"), parts.get("summary")
    interventions, arms = parts.get("interventions"), parts.get("arms")
    meshes, ancestors = parts.get("meshes"), parts.get("ancestors")
    protocol: dict[str, Any] = {
        "identificationModule": {"nctId": nct_id, "briefTitle": title},
        "statusModule": {"overallStatus": "COMPLETED"},
    }
    if official:
        protocol["identificationModule"]["officialTitle"] = official
    if summary:
        protocol["descriptionModule"] = {"briefSummary": summary}
    module: dict[str, Any] = {}
    if interventions is not None:
        module["interventions"] = [{"type": kind, "name": name} for kind, name in interventions]
    if arms is not None:
        module["armGroups"] = [
            {"type": kind, "label": label, "interventionNames": names} for kind, label, names in arms
        ]
    if module:
        protocol["armsInterventionsModule"] = module
    record: dict[str, Any] = {"protocolSection": protocol, "hasResults": False}
    browse: dict[str, Any] = {}
    if meshes is not None:
        browse["meshes"] = [{"id": i, "term": t} for i, t in meshes]
    if ancestors is not None:
        browse["ancestors"] = [{"id": i, "term": t} for i, t in ancestors]
    if browse:
        record["derivedSection"] = {"interventionBrowseModule": browse}
    return record


def normalised(studies: list[dict[str, Any]]) -> dict[str, pa.Table]:
    return normalise_page(orjson.dumps({"studies": studies}), PROVENANCE, "hand-written records")


def class_rows(studies: list[dict[str, Any]], classifier: Classifier) -> list[dict[str, Any]]:
    tables = normalised(studies)
    return classify_ctgov_tables(*(tables[name] for name in INPUTS), classifier).to_pylist()


def classes_by_trial(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """nct_id -> class -> its strongest match_strength."""
    order = ("intervention", "mesh", "title", "summary")
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        own = found.setdefault(row["nct_id"], {})
        known = own.get(row["treatment_class"])
        if known is None or order.index(row["match_strength"]) < order.index(known):
            own[row["treatment_class"]] = row["match_strength"]
    return found
