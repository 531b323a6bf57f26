"""Shared helpers of the outcome tests: v2 study documents -> the normaliser's real Arrow tables.

Tests go through the real ClinicalTrials.gov normaliser, so they exercise the tables the outcome layer
will receive in production, not hand-made look-alikes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pyarrow as pa

from pipeline.classify.classifier import Classifier, classify_ctgov_tables
from pipeline.config import Settings, load_config
from pipeline.outcomes.taxonomy import Taxonomy
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.tables import normalise_page

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIBED = REPO_ROOT / "tests" / "fixtures" / "outcomes"
PROVENANCE = Provenance("20260101T000000Z-0utc", datetime(2026, 1, 1, tzinfo=UTC), None)
REAL_WITH_RESULTS = ("NCT00763412", "NCT02210780", "NCT02299791", "NCT02552212", "NCT05594173")


@cache
def settings() -> Settings:
    return load_config(REPO_ROOT / "config.yaml")


@cache
def taxonomy() -> Taxonomy:
    return Taxonomy.from_settings(settings())


def tables_of(docs: list[dict[str, Any]]) -> dict[str, pa.Table]:
    """The normaliser's tables for these study documents (one page)."""
    body = json.dumps({"studies": docs}).encode()
    return normalise_page(body, PROVENANCE, "test page")


def tables_of_files(paths: list[Path]) -> dict[str, pa.Table]:
    return tables_of([json.loads(p.read_text(encoding="utf-8")) for p in paths])


def trial_classes(tables: dict[str, pa.Table]) -> pa.Table:
    """The shipped classifier's classes for these trials, as the pipeline computes them."""
    inputs = (tables[name] for name in ("trials", "interventions", "arms", "intervention_mesh"))
    return classify_ctgov_tables(*inputs, Classifier.from_settings(settings()))


def transcribed_files() -> list[Path]:
    return sorted(TRANSCRIBED.glob("NCT*.json"))


def study(
    nct_id: str,
    arms: list[tuple[str, str | None]],
    outcomes: list[dict[str, Any]],
    *,
    title: str = "A synthetic test study",
    conditions: tuple[str, ...] = ("Migraine",),
    interventions: tuple[str, ...] = ("Testumab", "Placebo"),
) -> dict[str, Any]:
    """A synthetic v2 study document (for bad-input cases no real record shows); never presented as real."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": title},
            "conditionsModule": {"conditions": list(conditions)},
            "armsInterventionsModule": {
                "armGroups": [{"label": label, **({"type": kind} if kind else {})} for label, kind in arms],
                "interventions": [{"type": "DRUG", "name": name} for name in interventions],
            },
        },
        "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": outcomes}},
    }


class MeasureOptions(TypedDict, total=False):
    """What a test may set on a ``measure`` besides its title, groups and values."""

    param_type: str  # default LEAST_SQUARES_MEAN
    dispersion: str | None  # the dispersionType, e.g. "Standard Error"; none by default
    spreads: list[str | None]  # one per group
    limits: list[tuple[str, str]]  # (lower, upper) per group
    denoms: list[str | None]  # participants per group
    unit: str  # default "days"
    analyses: list[dict[str, Any]]
    kind: str  # default PRIMARY


def measure(
    title: str, groups: list[str], values: list[str | None], **options: Unpack[MeasureOptions]
) -> dict[str, Any]:
    """One outcome measure in the v2 results shape; group i is OG00i."""
    spreads, limits, denoms = options.get("spreads"), options.get("limits"), options.get("denoms")
    dispersion = options.get("dispersion")
    ids = [f"OG{i:03d}" for i in range(len(groups))]
    measurements = []
    for i, gid in enumerate(ids):
        m: dict[str, Any] = {"groupId": gid}
        if values[i] is not None:
            m["value"] = values[i]
        if spreads and spreads[i] is not None:
            m["spread"] = spreads[i]
        if limits:
            m["lowerLimit"], m["upperLimit"] = limits[i]
        measurements.append(m)
    out: dict[str, Any] = {
        "type": options.get("kind", "PRIMARY"),
        "title": title,
        "paramType": options.get("param_type", "LEAST_SQUARES_MEAN"),
        "unitOfMeasure": options.get("unit", "days"),
        "groups": [{"id": gid, "title": t} for gid, t in zip(ids, groups, strict=True)],
        "classes": [{"categories": [{"measurements": measurements}]}],
        "analyses": options.get("analyses") or [],
    }
    if dispersion:
        out["dispersionType"] = dispersion
    if denoms:
        counts = [{"groupId": gid, "value": n} for gid, n in zip(ids, denoms, strict=True) if n is not None]
        out["denoms"] = [{"units": "Participants", "counts": counts}]
    return out


def effect_rows(tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    from pipeline.outcomes import trial_outcome_tables

    return trial_outcome_tables(tables, taxonomy())["trial_effects"].to_pylist()
