"""Match strength in the warehouse: trial_classes keeps every match, the evidence tables count only those
at least as strong as each class's min_match_strength, and intervention_mesh becomes a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from ctgov_parquet_builder import FETCHED_1, RUN_1, make_settings, trial, write_run

from pipeline.config import ClassifierSettings, Settings
from pipeline.warehouse.build import build_warehouse

CLASSES: dict[str, dict[str, Any]] = {
    "cgrp": {"label": "CGRP-targeted", "terms": ["cgrp antagonist"]},
    "cgrp_mab": {"label": "CGRP antibodies", "terms": ["erenumab"], "parent": "cgrp"},
    "triptan": {"label": "Triptans", "terms": ["sumatriptan"]},
    "toxin": {"label": "Botulinum toxins", "terms": ["botulinum"], "mesh_terms": ["Botulinum Toxins"]},
}


def match(nct_id: str, cls: str, field: str, term: str, strength: str | None) -> dict[str, Any]:
    text = None if field == "child_class" else term
    return {
        "nct_id": nct_id,
        "treatment_class": cls,
        "matched_field": field,
        "matched_term": term,
        "matched_text": text,
        "match_strength": strength,
    }


def write_classified_run(parquet_dir: Path) -> None:
    """T1 by its intervention, T2 by its title only, T3 by its summary only, T4 by MeSH only, T5 from a
    partition classified before match_strength existed (NULL: an intervention match)."""
    ids = [f"NCT0000000{i}" for i in range(1, 6)]
    write_run(
        parquet_dir,
        RUN_1,
        FETCHED_1,
        {
            "trials": [trial(nct_id, brief_title=f"Trial {nct_id}") for nct_id in ids],
            "intervention_mesh": [
                {"nct_id": ids[3], "mesh_kind": "mesh", "mesh_idx": 0, "mesh_id": "D019274",
                 "term": "Botulinum Toxins, Type A"},
                {"nct_id": ids[3], "mesh_kind": "ancestor", "mesh_idx": 0, "mesh_id": "D001905",
                 "term": "Botulinum Toxins"},
            ],
            "trial_classes": [
                match(ids[0], "cgrp_mab", "intervention.name", "erenumab", "intervention"),
                match(ids[0], "cgrp", "child_class", "cgrp_mab", "intervention"),
                match(ids[1], "cgrp_mab", "trial.brief_title", "erenumab", "title"),
                match(ids[1], "cgrp", "child_class", "cgrp_mab", "title"),
                match(ids[2], "triptan", "trial.brief_summary", "sumatriptan", "summary"),
                match(ids[3], "toxin", "mesh.ancestor", "Botulinum Toxins", "mesh"),
                match(ids[4], "triptan", "intervention.name", "sumatriptan", None),
            ],
        },
        "2026-01-01T01:00:00",
    )  # fmt: skip


def build(tmp_path: Path, weakest: str, **per_class: str) -> Settings:
    classes = {name: {**tc, **({"min_match_strength": per_class[name]} if name in per_class else {})}
               for name, tc in CLASSES.items()}  # fmt: skip
    settings = make_settings(tmp_path, **classes)
    settings = settings.model_copy(update={"classifier": ClassifierSettings(min_match_strength=weakest)})
    write_classified_run(settings.parquet_dir)
    build_warehouse(settings)
    return settings


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def members(settings: Settings) -> list[tuple[str, str, str]]:
    return query(
        settings, "SELECT treatment_class, nct_id, match_strength FROM evidence_trials ORDER BY 1, 2"
    )


def test_by_default_every_match_counts_with_its_strength(tmp_path):
    settings = build(tmp_path, "summary")
    assert members(settings) == [
        ("cgrp", "NCT00000001", "intervention"),
        ("cgrp", "NCT00000002", "title"),
        ("cgrp_mab", "NCT00000001", "intervention"),
        ("cgrp_mab", "NCT00000002", "title"),
        ("toxin", "NCT00000004", "mesh"),
        ("triptan", "NCT00000003", "summary"),
        ("triptan", "NCT00000005", "intervention"),
    ]
    strengths = query(settings, "SELECT DISTINCT match_strength FROM trial_classes ORDER BY 1")
    assert strengths == [("intervention",), ("mesh",), ("summary",), ("title",)]


def test_intervention_only_leaves_weaker_matches_out_of_the_evidence_tables(tmp_path):
    settings = build(tmp_path, "intervention")
    assert members(settings) == [
        ("cgrp", "NCT00000001", "intervention"),
        ("cgrp_mab", "NCT00000001", "intervention"),
        ("triptan", "NCT00000005", "intervention"),
    ]
    counts = dict(query(settings, "SELECT treatment_class, sum(n_trials) FROM evidence GROUP BY 1"))
    assert counts == {"cgrp": 1, "cgrp_mab": 1, "toxin": 0, "triptan": 1}
    changes = dict(query(settings, "SELECT nct_id, treatment_classes FROM trial_changes"))
    assert changes["NCT00000002"] == [] and changes["NCT00000001"] == ["cgrp", "cgrp_mab"]
    assert query(settings, "SELECT count(*) FROM trial_classes")[0][0] == 7  # every match is still kept


def test_a_class_may_set_its_own_weakest_strength(tmp_path):
    settings = build(tmp_path, "mesh", triptan="summary")
    assert members(settings) == [
        ("cgrp", "NCT00000001", "intervention"),
        ("cgrp_mab", "NCT00000001", "intervention"),
        ("toxin", "NCT00000004", "mesh"),
        ("triptan", "NCT00000003", "summary"),
        ("triptan", "NCT00000005", "intervention"),
    ]
    weakest = dict(query(settings, "SELECT treatment_class, min_match_strength FROM treatment_classes"))
    assert weakest == {"cgrp": "mesh", "cgrp_mab": "mesh", "toxin": "mesh", "triptan": "summary"}
    mesh_terms = query(settings, "SELECT mesh_terms FROM treatment_classes WHERE treatment_class = 'toxin'")
    assert mesh_terms == [(["Botulinum Toxins"],)]


@pytest.mark.parametrize("weakest", ["summary", "intervention"])
def test_intervention_mesh_is_an_analyst_table(tmp_path, weakest):
    settings = build(tmp_path, weakest)
    assert query(
        settings, "SELECT nct_id, mesh_kind, mesh_idx, mesh_id, term FROM trial_intervention_mesh"
    ) == [
        ("NCT00000004", "mesh", 0, "D019274", "Botulinum Toxins, Type A"),
        ("NCT00000004", "ancestor", 0, "D001905", "Botulinum Toxins"),
    ]
