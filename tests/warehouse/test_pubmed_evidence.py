"""Trial <-> publication links, results_route and the publication counts of the evidence tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ctgov_parquet_builder import FETCHED_1, RUN_1, make_settings, write_run
from pubmed_parquet_builder import (
    ACHIEVE_I,
    CLASSES,
    FOCUS,
    HALO_CM,
    HALO_LONG_TERM,
    PREEMPT_1,
    PUBMED_FETCHED_1,
    PUBMED_RUN_1,
    build_both_sources,
    ctgov_run,
    pubmed_run_1,
    query,
    registry_id,
    write_pubmed_run,
)

from pipeline.config import Settings
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.export_csv import export_evidence_trials


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_both_sources(tmp_path_factory.mktemp("evidence"))


def test_all_three_link_routes_with_their_results_flag(built: Settings) -> None:
    rows = query(
        built, "SELECT nct_id, pmid, link_source, reference_type, is_results_link FROM trial_publications"
    )
    assert rows == [
        (PREEMPT_1, "20647170", "ctgov_reference", "RESULT", True),
        (PREEMPT_1, "20647170", "pubmed_databank", None, True),
        (HALO_CM, "34115380", "pubmed_text", None, True),
        (HALO_LONG_TERM, "34115380", "ctgov_reference", "BACKGROUND", False),
        (ACHIEVE_I, "33749826", "ctgov_reference", "DERIVED", True),
    ]


def test_results_route_and_linked_pmids_per_trial(built: Settings) -> None:
    rows = query(
        built,
        "SELECT DISTINCT nct_id, has_results, results_route, linked_pmids FROM evidence_trials "
        "ORDER BY nct_id",
    )
    assert rows == [
        (PREEMPT_1, True, "both", ["20647170"]),
        (HALO_CM, False, "publication", ["34115380"]),  # NCT id in the abstract
        (HALO_LONG_TERM, True, "registry", ["34115380"]),  # a BACKGROUND reference is no results report
        (ACHIEVE_I, False, "publication", ["33749826"]),  # a DERIVED reference counts
        (FOCUS, False, "none", []),  # only the superseded version of the paper named it
    ]


def test_evidence_counts_per_class(built: Settings) -> None:
    rows = query(
        built,
        "SELECT treatment_class, status_group, n_trials, n_with_results, n_trials_with_published_results, "
        "n_publications, n_rct_publications FROM evidence",
    )
    assert rows == [
        ("botulinum_toxin", "completed", 1, 1, 1, 1, 1),  # PREEMPT 1 paper (the review was deleted)
        ("cgrp", "completed", 3, 1, 1, 4, 1),  # publication totals repeat on each row of the class
        ("cgrp", "ongoing", 1, 0, 1, 4, 1),
        ("cgrp_antibody", "completed", 3, 1, 1, 3, 1),  # REGAIN (RCT), post hoc analysis, review
        ("gepant", "ongoing", 1, 0, 1, 1, 0),
        ("triptan", None, 0, 0, 0, 0, 0),
    ]


def test_csv_carries_route_and_pmids(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "evidence.csv"
    summary = export_evidence_trials(built.warehouse.path, out, "cgrp_antibody")
    assert summary.columns.index("results_route") == summary.columns.index("primary_result_summary") + 1
    with out.open(encoding="utf-8", newline="") as handle:
        rows = {r["nct_id"]: (r["results_route"], r["linked_pmids"]) for r in csv.DictReader(handle)}
    assert rows == {
        HALO_CM: ("publication", "34115380"),
        HALO_LONG_TERM: ("registry", "34115380"),
        FOCUS: ("none", ""),
    }


def test_several_pmids_are_joined_in_the_csv(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **CLASSES)
    write_run(settings.parquet_dir, RUN_1, FETCHED_1, ctgov_run(), "x")
    run = pubmed_run_1()
    run["publication_registry_ids"].append(registry_id("35313740", PREEMPT_1, "abstract"))
    write_pubmed_run(settings, PUBMED_RUN_1, PUBMED_FETCHED_1, run)
    build_warehouse(settings)
    out = tmp_path / "botox.csv"
    export_evidence_trials(settings.warehouse.path, out, "botulinum_toxin")
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["linked_pmids"] == "20647170; 34209849; 35313740"


def test_ctgov_only_build_has_empty_pubmed_tables_and_registry_routes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **CLASSES)
    write_run(settings.parquet_dir, RUN_1, FETCHED_1, ctgov_run(), "2025-12-31T22:00:00")
    summary = build_warehouse(settings)
    assert summary.runs == (f"ctgov:{RUN_1}",)
    for table in ("publications", "publication_classes", "publication_registry_ids", "trial_publications"):
        assert query(settings, f"SELECT count(*) FROM {table}") == [(0,)], table
    routes = query(
        settings, "SELECT DISTINCT nct_id, results_route, linked_pmids FROM evidence_trials ORDER BY 1"
    )
    assert routes == [
        (PREEMPT_1, "registry", []),
        (HALO_CM, "none", []),
        (HALO_LONG_TERM, "registry", []),
        (ACHIEVE_I, "none", []),
        (FOCUS, "none", []),
    ]
    counts = query(
        settings,
        "SELECT DISTINCT n_trials_with_published_results, n_publications, n_rct_publications FROM evidence",
    )
    assert counts == [(0, 0, 0)]
    assert query(settings, "SELECT count(*) FROM warehouse_runs WHERE source = 'pubmed'") == [(0,)]
