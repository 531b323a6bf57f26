"""PubMed in the warehouse: current publications, deletions, newest run wins, runs, checks, comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ctgov_parquet_builder import make_settings
from pubmed_parquet_builder import (
    BOTOX_REVIEW,
    CLASSES,
    DELETED_PMID,
    PUBMED_FETCHED_1,
    PUBMED_FETCHED_2,
    PUBMED_RUN_1,
    PUBMED_RUN_2,
    REGAIN,
    REGAIN_PAPER,
    build_both_sources,
    query,
    write_pubmed_run,
)

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.warehouse.build import build_warehouse

PUBLICATION_TABLES = ("publications", "publication_classes", "publication_registry_ids", "trial_publications")
NEW_EVIDENCE_COLUMNS = (
    "evidence.n_trials_with_published_results",
    "evidence.n_publications",
    "evidence.n_rct_publications",
    "evidence_trials.results_route",
    "evidence_trials.linked_pmids",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_both_sources(tmp_path_factory.mktemp("pubmed"))


def empty_run(**tables: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    base: dict[str, list[dict[str, Any]]] = {
        "publications": [],
        "publication_mesh": [],
        "publication_keywords": [],
        "publication_registry_ids": [],
        "deleted_pmids": [],
    }
    return {**base, **tables}


def test_publications_hold_the_current_version_of_each_pmid(built: Settings) -> None:
    rows = query(built, "SELECT pmid, volume, issue, run_id FROM publications")
    assert rows == [
        ("20647170", "30", "7", PUBMED_RUN_1),
        ("30446596", None, None, PUBMED_RUN_1),
        ("33749826", None, None, PUBMED_RUN_2),
        ("34115380", "61", "6", PUBMED_RUN_2),
        ("35313740", None, None, PUBMED_RUN_1),
    ]
    flags = query(
        built,
        "SELECT pmid, is_rct_report, is_review, keywords, url FROM publications WHERE pmid = '35313740'",
    )
    assert flags == [
        (
            "35313740",
            False,
            True,
            ["CGRP antagonists", "erenumab"],
            "https://pubmed.ncbi.nlm.nih.gov/35313740/",
        )
    ]


def test_newest_run_supplies_all_child_rows_of_a_pmid(built: Settings) -> None:
    """Run 1's post hoc analysis named FOCUS; run 2's version names HALO CM and replaces it entirely."""
    ids = query(built, "SELECT accession, found_in FROM publication_registry_ids WHERE pmid = '34115380'")
    assert ids == [("NCT02621931", "abstract")]


def test_a_deleted_pmid_disappears_everywhere(built: Settings) -> None:
    for table in PUBLICATION_TABLES:
        assert query(built, f"SELECT count(*) FROM {table} WHERE pmid = $1", [DELETED_PMID]) == [(0,)], table
    linked = query(built, "SELECT list_contains(linked_pmids, $1) FROM evidence_trials", [DELETED_PMID])
    assert {r[0] for r in linked} == {False}


def test_a_pmid_returned_after_its_deletion_comes_back(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **CLASSES)
    write_pubmed_run(
        settings, PUBMED_RUN_1, PUBMED_FETCHED_1, empty_run(deleted_pmids=[{"pmid": DELETED_PMID}])
    )
    write_pubmed_run(settings, PUBMED_RUN_2, PUBMED_FETCHED_2, empty_run(publications=[BOTOX_REVIEW]))
    build_warehouse(settings)
    assert query(settings, "SELECT pmid, run_id FROM publications") == [(DELETED_PMID, PUBMED_RUN_2)]
    classes = query(settings, "SELECT DISTINCT treatment_class FROM publication_classes")
    assert classes == [("botulinum_toxin",)]


def test_order_is_fetched_at_not_run_id(tmp_path: Path) -> None:
    """A deletion fetched later wins over a record from a run whose id sorts later."""
    settings = make_settings(tmp_path, **CLASSES)
    write_pubmed_run(settings, PUBMED_RUN_2, PUBMED_FETCHED_1, empty_run(publications=[BOTOX_REVIEW]))
    write_pubmed_run(
        settings, PUBMED_RUN_1, PUBMED_FETCHED_2, empty_run(deleted_pmids=[{"pmid": DELETED_PMID}])
    )
    build_warehouse(settings)
    assert query(settings, "SELECT count(*) FROM publications") == [(0,)]


def test_registry_ids_of_trials_outside_the_warehouse_are_kept(built: Settings) -> None:
    rows = query(
        built,
        "SELECT accession, found_in FROM publication_registry_ids WHERE pmid = $1",
        [REGAIN_PAPER["pmid"]],
    )
    assert rows == [(REGAIN, "databank")]
    assert query(built, "SELECT count(*) FROM trial_publications WHERE nct_id = $1", [REGAIN]) == [(0,)]


def test_warehouse_runs_list_pubmed_runs_with_deletions_as_records(built: Settings) -> None:
    rows = query(
        built,
        "SELECT run_id, n_records, n_current_records FROM warehouse_runs "
        "WHERE source = 'pubmed' ORDER BY run_id",
    )
    # Run 1: five PMIDs; the post hoc analysis (newer in run 2) and the deleted review are not current.
    assert rows == [(PUBMED_RUN_1, 5, 3), (PUBMED_RUN_2, 3, 3)]
    runs = query(built, "SELECT run_ids FROM warehouse_builds")[0][0]
    assert f"pubmed:{PUBMED_RUN_1}" in runs and f"pubmed:{PUBMED_RUN_2}" in runs


def test_every_new_table_and_column_is_commented(built: Settings) -> None:
    tables = dict(
        query(
            built,
            "SELECT table_name, comment FROM duckdb_tables() WHERE list_contains($1, table_name)",
            [list(PUBLICATION_TABLES)],
        )
    )
    assert set(tables) == set(PUBLICATION_TABLES)
    assert all(comment and comment.strip() for comment in tables.values())
    columns = query(
        built,
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE list_contains($1, table_name) OR list_contains($2, table_name || '.' || column_name)",
        [list(PUBLICATION_TABLES), list(NEW_EVIDENCE_COLUMNS)],
    )
    assert {f"{t}.{c}" for t, c, _ in columns} >= set(NEW_EVIDENCE_COLUMNS)
    assert len(columns) > 40
    assert [(t, c) for t, c, comment in columns if not (comment and comment.strip())] == []


def test_a_pmid_twice_in_one_run_fails_the_build_and_keeps_the_old_warehouse(
    built: Settings, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, **CLASSES)
    twice = empty_run(publications=[REGAIN_PAPER, REGAIN_PAPER])
    write_pubmed_run(settings, PUBMED_RUN_1, PUBMED_FETCHED_1, twice)
    with pytest.raises(WarehouseError, match=r"publications \(pmid\) unique .*30446596"):
        build_warehouse(settings)
    assert not settings.warehouse.path.exists()
