"""removed_publications: PMIDs PubMed deleted or a full pull stopped returning, and only those.

A removal hides a PMID from every other publication table, so a wrong row here silently drops evidence
(or keeps a retracted record). The raw-run mode that decides whether an absence counts is read from
the raw manifests (data/raw/pubmed/<run_id>/manifest.json), so each test writes them like a fetch does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ctgov_parquet_builder import make_settings
from pubmed_parquet_builder import (
    BOTOX_REVIEW,
    CLASSES,
    DELETED_PMID,
    ERENUMAB_REVIEW,
    FREMANEZUMAB_POST_HOC,
    PREEMPT_1_PAPER,
    PUBMED_FETCHED_1,
    PUBMED_FETCHED_2,
    PUBMED_RUN_1,
    PUBMED_RUN_2,
    REGAIN_PAPER,
    UBROGEPANT_POST_HOC,
    query,
    write_both_sources,
    write_pubmed_run,
)

from pipeline.config import Settings
from pipeline.raw.zone import RawZone
from pipeline.warehouse.build import build_warehouse

PUBMED_RUN_3 = "20260301T040000Z-eeee"
PUBMED_RUN_4 = "20260401T040000Z-ffff"
PUBMED_FETCHED_3 = datetime(2026, 3, 1, 4, 5, tzinfo=UTC)
PUBMED_FETCHED_4 = datetime(2026, 4, 1, 4, 5, tzinfo=UTC)
RUNS = {
    PUBMED_RUN_1: PUBMED_FETCHED_1,
    PUBMED_RUN_2: PUBMED_FETCHED_2,
    PUBMED_RUN_3: PUBMED_FETCHED_3,
    PUBMED_RUN_4: PUBMED_FETCHED_4,
}
STARTED = {run_id: f"{fetched:%Y-%m-%dT%H:%M}:00.000Z" for run_id, fetched in RUNS.items()}
COLUMNS = "pmid, title, reason, last_seen_run, last_fetched_at, removed_in_run, removed_at"
# Every table a removed PMID must be absent from (evidence_trials is checked through linked_pmids).
PUBLICATION_TABLES = ("publications", "publication_classes", "publication_registry_ids", "trial_publications")

PREEMPT = PREEMPT_1_PAPER["pmid"]
ERENUMAB = ERENUMAB_REVIEW["pmid"]
REGAIN_PMID = REGAIN_PAPER["pmid"]
UBROGEPANT = UBROGEPANT_POST_HOC["pmid"]
FREMANEZUMAB = FREMANEZUMAB_POST_HOC["pmid"]
NEVER_STORED = "99999999"


def run_tables(*papers: dict[str, Any], deleted: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    return {
        "publications": list(papers),
        "publication_mesh": [],
        "publication_keywords": [],
        "publication_registry_ids": [],
        "deleted_pmids": [{"pmid": pmid} for pmid in deleted],
    }


def write_manifest(settings: Settings, run_id: str, mode: str | None) -> None:
    """A complete raw PubMed run as the fetch leaves it; ``mode`` None is a manifest from before modes."""
    summary: dict[str, Any] = {"started_at": STARTED[run_id], "data_timestamp": None}
    if mode is not None:
        summary["mode"] = mode
    RawZone(settings.raw_dir).start_run("pubmed", run_id).finish(summary)


def pubmed_run(
    settings: Settings,
    run_id: str,
    mode: str | None,
    *papers: dict[str, Any],
    deleted: tuple[str, ...] = (),
) -> None:
    """One PubMed run end to end as the warehouse sees it: raw manifest, Parquet, classification."""
    write_manifest(settings, run_id, mode)
    write_pubmed_run(settings, run_id, RUNS[run_id], run_tables(*papers, deleted=deleted))


def removed(settings: Settings) -> list[tuple[Any, ...]]:
    return query(settings, f"SELECT {COLUMNS} FROM removed_publications")


def current_pmids(settings: Settings) -> list[str]:
    return [r[0] for r in query(settings, "SELECT pmid FROM publications ORDER BY pmid")]


def linked_pmids(settings: Settings) -> list[str]:
    return [r[0] for r in query(settings, "SELECT DISTINCT pmid FROM trial_publications ORDER BY pmid")]


def removed_at(run_id: str) -> datetime:
    return datetime.fromisoformat(STARTED[run_id])


def assert_absent_everywhere(settings: Settings, pmid: str) -> None:
    for table in PUBLICATION_TABLES:
        assert query(settings, f"SELECT count(*) FROM {table} WHERE pmid = $1", [pmid]) == [(0,)], table
    linked = query(
        settings, "SELECT count(*) FROM evidence_trials WHERE list_contains(linked_pmids, $1)", [pmid]
    )
    assert linked == [(0,)]


def assert_same_as_full_build(settings: Settings) -> None:
    """An incremental build must list the same removals a full build derives from every partition."""
    incremental = (removed(settings), current_pmids(settings))
    build_warehouse(settings, full="test: compare with a full build")
    assert (removed(settings), current_pmids(settings)) == incremental


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, **CLASSES)


def test_both_sources_with_full_pulls(settings: Settings) -> None:
    """The shared two-run fixture, both runs full: run 2 deletes one PMID and no longer returns three.

    The deletion is reported as 'deleted' (not 'not_returned', though run 2 did not return it either),
    the others as 'not_returned' by run 2, each with the run-1 version it was last seen in.
    """
    write_both_sources(settings)
    write_manifest(settings, PUBMED_RUN_1, "full")
    write_manifest(settings, PUBMED_RUN_2, "full")
    build_warehouse(settings)
    run_2_started = removed_at(PUBMED_RUN_2)
    assert removed(settings) == [
        (
            PREEMPT,
            PREEMPT_1_PAPER["title"],
            "not_returned",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_2,
            run_2_started,
        ),
        (
            REGAIN_PMID,
            REGAIN_PAPER["title"],
            "not_returned",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_2,
            run_2_started,
        ),
        (
            DELETED_PMID,
            BOTOX_REVIEW["title"],
            "deleted",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_2,
            run_2_started,
        ),
        (
            ERENUMAB,
            ERENUMAB_REVIEW["title"],
            "not_returned",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_2,
            run_2_started,
        ),
    ]
    assert current_pmids(settings) == [UBROGEPANT, FREMANEZUMAB]
    for pmid in (PREEMPT, REGAIN_PMID, DELETED_PMID, ERENUMAB):
        assert_absent_everywhere(settings, pmid)
    # The PREEMPT 1 paper was that trial's results link: with it gone, only the other links remain.
    assert linked_pmids(settings) == [UBROGEPANT, FREMANEZUMAB]


def test_both_sources_with_an_incremental_second_pull(settings: Settings) -> None:
    """Same data, run 2 incremental: only the deletion removes anything; the unreturned PMIDs stay."""
    write_both_sources(settings)
    write_manifest(settings, PUBMED_RUN_1, "full")
    write_manifest(settings, PUBMED_RUN_2, "incremental")
    build_warehouse(settings)
    assert removed(settings) == [
        (
            DELETED_PMID,
            BOTOX_REVIEW["title"],
            "deleted",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_2,
            removed_at(PUBMED_RUN_2),
        )
    ]
    assert current_pmids(settings) == [PREEMPT, REGAIN_PMID, UBROGEPANT, FREMANEZUMAB, ERENUMAB]
    assert_absent_everywhere(settings, DELETED_PMID)
    assert linked_pmids(settings) == [PREEMPT, UBROGEPANT, FREMANEZUMAB]


def test_removed_in_run_is_the_first_full_pull_after_the_last_sighting(settings: Settings) -> None:
    """Run 2 (incremental) cannot remove: REGAIN, last seen in run 1, goes with full run 3; the erenumab
    review, last seen (with a new title) in run 3, goes with full run 4."""
    renamed = {**ERENUMAB_REVIEW, "title": "Erenumab for episodic migraine (corrected)"}
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW, REGAIN_PAPER)
    pubmed_run(settings, PUBMED_RUN_2, "incremental", ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_3, "full", PREEMPT_1_PAPER, renamed)
    pubmed_run(settings, PUBMED_RUN_4, "full", PREEMPT_1_PAPER)
    build_warehouse(settings)
    assert removed(settings) == [
        (
            REGAIN_PMID,
            REGAIN_PAPER["title"],
            "not_returned",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_3,
            removed_at(PUBMED_RUN_3),
        ),
        (
            ERENUMAB,
            renamed["title"],
            "not_returned",
            PUBMED_RUN_3,
            PUBMED_FETCHED_3,
            PUBMED_RUN_4,
            removed_at(PUBMED_RUN_4),
        ),
    ]
    assert current_pmids(settings) == [PREEMPT]
    assert_absent_everywhere(settings, REGAIN_PMID)
    assert_absent_everywhere(settings, ERENUMAB)


def test_an_incremental_pull_not_returning_a_pmid_removes_nothing(settings: Settings) -> None:
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "incremental", UBROGEPANT_POST_HOC)
    pubmed_run(settings, PUBMED_RUN_3, "incremental")
    build_warehouse(settings)
    assert removed(settings) == []
    assert current_pmids(settings) == [PREEMPT, UBROGEPANT, ERENUMAB]


def test_a_manifest_without_a_mode_is_a_full_pull(settings: Settings) -> None:
    """Manifests written before modes were recorded came from full pulls (warehouse_runs says so)."""
    pubmed_run(settings, PUBMED_RUN_1, None, PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, None, PREEMPT_1_PAPER)
    build_warehouse(settings)
    assert [(r[0], r[2], r[5]) for r in removed(settings)] == [(ERENUMAB, "not_returned", PUBMED_RUN_2)]


def test_a_full_pull_not_yet_normalised_removes_nothing(settings: Settings) -> None:
    """A complete raw run without Parquet has not been read: its absences are not known yet."""
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    write_manifest(settings, PUBMED_RUN_2, "full")
    build_warehouse(settings)
    assert removed(settings) == []


def test_a_full_pull_that_only_deletes_still_counts(settings: Settings) -> None:
    """A full run whose publications partition is empty (it only deleted) still counts as a full pull
    with data: the PMIDs it did not return are removed."""
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "full", deleted=(ERENUMAB,))
    build_warehouse(settings)
    assert [(r[0], r[2], r[3], r[5]) for r in removed(settings)] == [
        (PREEMPT, "not_returned", PUBMED_RUN_1, PUBMED_RUN_2),
        (ERENUMAB, "deleted", PUBMED_RUN_1, PUBMED_RUN_2),
    ]
    assert current_pmids(settings) == []


def test_a_deleted_pmid_never_stored_has_no_last_version(settings: Settings) -> None:
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, deleted=(NEVER_STORED,))
    build_warehouse(settings)
    assert removed(settings) == [
        (NEVER_STORED, None, "deleted", None, None, PUBMED_RUN_1, removed_at(PUBMED_RUN_1)),
    ]
    assert current_pmids(settings) == [PREEMPT]


def test_a_deletion_of_a_pmid_already_not_returned_is_one_deleted_row(settings: Settings) -> None:
    """One row per PMID: the newest event (the deletion) gives the reason, the last version stays."""
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "full", PREEMPT_1_PAPER)
    pubmed_run(settings, PUBMED_RUN_3, "incremental", deleted=(ERENUMAB,))
    build_warehouse(settings)
    assert removed(settings) == [
        (
            ERENUMAB,
            ERENUMAB_REVIEW["title"],
            "deleted",
            PUBMED_RUN_1,
            PUBMED_FETCHED_1,
            PUBMED_RUN_3,
            removed_at(PUBMED_RUN_3),
        )
    ]


def test_the_newest_version_before_a_deletion_is_reported(settings: Settings) -> None:
    """A deleted record seen in two runs is reported with the newer version, not the first."""
    renamed = {**ERENUMAB_REVIEW, "title": "Erenumab for episodic migraine (corrected)"}
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "incremental", renamed)
    pubmed_run(settings, PUBMED_RUN_3, "incremental", deleted=(ERENUMAB,))
    build_warehouse(settings)
    assert [r[:6] for r in removed(settings)] == [
        (ERENUMAB, renamed["title"], "deleted", PUBMED_RUN_2, PUBMED_FETCHED_2, PUBMED_RUN_3)
    ]


def test_a_deletion_fetched_after_a_record_with_a_later_run_id(settings: Settings) -> None:
    """Events are ordered by fetched_at (see test_order_is_fetched_at_not_run_id): the deletion in run 1,
    fetched after run 2's record, wins, and that stored record is its last known version."""
    write_pubmed_run(settings, PUBMED_RUN_2, PUBMED_FETCHED_1, run_tables(ERENUMAB_REVIEW))
    write_pubmed_run(settings, PUBMED_RUN_1, PUBMED_FETCHED_2, run_tables(deleted=(ERENUMAB,)))
    build_warehouse(settings)
    assert [r[:6] for r in removed(settings)] == [
        (ERENUMAB, ERENUMAB_REVIEW["title"], "deleted", PUBMED_RUN_2, PUBMED_FETCHED_1, PUBMED_RUN_1)
    ]


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_a_pmid_returned_after_it_was_not_returned_comes_back(settings: Settings, mode: str) -> None:
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "full", PREEMPT_1_PAPER)
    build_warehouse(settings)
    assert [r[0] for r in removed(settings)] == [ERENUMAB]

    pubmed_run(settings, PUBMED_RUN_3, mode, PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    summary = build_warehouse(settings)
    assert summary.mode == mode  # a full pull forces a full build; an incremental one need not
    assert removed(settings) == []
    assert query(settings, "SELECT pmid, run_id FROM publications WHERE pmid = $1", [ERENUMAB]) == [
        (ERENUMAB, PUBMED_RUN_3)
    ]
    assert query(
        settings,
        "SELECT DISTINCT treatment_class FROM publication_classes WHERE pmid = $1 ORDER BY 1",
        [ERENUMAB],
    ) == [("cgrp",), ("cgrp_antibody",)]
    assert_same_as_full_build(settings)


def test_a_pmid_returned_after_its_deletion_comes_back(settings: Settings) -> None:
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    pubmed_run(settings, PUBMED_RUN_2, "incremental", deleted=(ERENUMAB,))
    build_warehouse(settings)
    assert [(r[0], r[2]) for r in removed(settings)] == [(ERENUMAB, "deleted")]

    pubmed_run(settings, PUBMED_RUN_3, "incremental", ERENUMAB_REVIEW)
    build_warehouse(settings)
    assert removed(settings) == []
    assert current_pmids(settings) == [PREEMPT, ERENUMAB]
    assert_same_as_full_build(settings)


def test_an_incremental_build_adds_a_deletion(settings: Settings) -> None:
    """The splice replaces removed_publications rows of the PMIDs a new run touched, and keeps the rest."""
    pubmed_run(settings, PUBMED_RUN_1, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW, REGAIN_PAPER)
    pubmed_run(settings, PUBMED_RUN_2, "full", PREEMPT_1_PAPER, ERENUMAB_REVIEW)
    build_warehouse(settings)
    pubmed_run(settings, PUBMED_RUN_3, "incremental", deleted=(ERENUMAB, NEVER_STORED))
    assert build_warehouse(settings).mode == "incremental"
    assert [(r[0], r[2], r[3], r[5]) for r in removed(settings)] == [
        (REGAIN_PMID, "not_returned", PUBMED_RUN_1, PUBMED_RUN_2),
        (ERENUMAB, "deleted", PUBMED_RUN_2, PUBMED_RUN_3),
        (NEVER_STORED, "deleted", None, PUBMED_RUN_3),
    ]
    assert_same_as_full_build(settings)
