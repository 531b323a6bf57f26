"""Writes small PubMed + ClinicalTrials.gov Parquet runs with the real Arrow schemas, for warehouse tests.

Publication values are transcribed from the recorded records in shared/fixtures/pubmed/migraine, trial
values from shared/fixtures/ctgov/migraine. Those records carry no DataBankList, abstract or registry
references, so the link rows are constructed: each pairs a paper with a trial it is about (PREEMPT 1,
the HALO CM / FOCUS post hoc analysis, ACHIEVE I), and the route each takes is chosen to exercise the
three link routes. Publication classes are produced by the real classify step, not written here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from ctgov_parquet_builder import FETCHED_1, RUN_1, Rows, make_settings, trial, trial_class, write_run

from pipeline.config import Settings
from pipeline.sources.pubmed.normalise.schemas import TABLES
from pipeline.steps import classify
from pipeline.warehouse.build import build_warehouse

PUBMED_RUN_1 = "20260101T040000Z-cccc"
PUBMED_RUN_2 = "20260201T040000Z-dddd"
PUBMED_FETCHED_1 = datetime(2026, 1, 1, 4, 5, tzinfo=UTC)
PUBMED_FETCHED_2 = datetime(2026, 2, 1, 4, 5, tzinfo=UTC)

CLASSES: dict[str, dict[str, Any]] = {
    "botulinum_toxin": {"label": "Botulinum toxins", "terms": ["botulinum toxin", "onabotulinumtoxinA"]},
    "cgrp": {"label": "CGRP-targeted therapies", "terms": ["CGRP antagonist"]},
    "cgrp_antibody": {
        "label": "Anti-CGRP monoclonal antibodies",
        "terms": ["erenumab", "fremanezumab", "galcanezumab"],
        "parent": "cgrp",
    },
    "gepant": {"label": "Gepants", "terms": ["ubrogepant"], "parent": "cgrp"},
    "triptan": {"label": "Triptans", "terms": ["sumatriptan"]},
}

PREEMPT_1 = "NCT00156910"  # onabotulinumtoxinA, results posted
HALO_LONG_TERM = "NCT02638103"  # fremanezumab long-term safety, results posted
HALO_CM = "NCT02621931"  # fremanezumab, no results posted in the fixture
FOCUS = "NCT03308968"  # fremanezumab, no results posted in the fixture
ACHIEVE_I = "NCT02828020"  # ubrogepant, recruiting in the fixture snapshot
REGAIN = "NCT02614261"  # galcanezumab; not among the registry fixtures, so not in the warehouse


# -- ClinicalTrials.gov ---------------------------------------------------------------------------------


def _phase3(nct_id: str, title: str, has_results: bool, enrollment: int | None, **values: Any) -> dict:
    return trial(
        nct_id,
        brief_title=title,
        phases_raw=["PHASE3"],
        phase="PHASE3",
        enrollment=enrollment,
        has_results=has_results,
        **values,
    )


def _reference(nct_id: str, pmid: str, kind: str) -> dict[str, Any]:
    return {"nct_id": nct_id, "reference_idx": 0, "pmid": pmid, "reference_type": kind}


def ctgov_run() -> Rows:
    """Five migraine trials; three list a PMID in their referencesModule (RESULT, BACKGROUND, DERIVED)."""
    return {
        "trials": [
            _phase3(
                PREEMPT_1,
                "A Study Using Botulinum Toxin Type A as Headache Prophylaxis for Migraine Patients With "
                "Frequent Headaches",
                True,
                679,
                last_update_post_date=date(2013, 11, 18),
            ),
            _phase3(
                HALO_LONG_TERM,
                "Efficacy and Safety of Subcutaneous Administration of Fremanezumab (TEV-48125) for the "
                "Preventive Treatment of Migraine",
                True,
                1890,
                last_update_post_date=date(2020, 2, 28),
            ),
            _phase3(
                HALO_CM,
                "Comparing Efficacy and Safety of 2 Dose Regimens of Subcutaneous Administration of "
                "TEV-48125 Versus Placebo for the Preventive Treatment of Chronic Migraine",
                False,
                1130,
            ),
            _phase3(
                FOCUS, "An Efficacy and Safety Study of Fremanezumab in Adults With Migraine", False, 838
            ),
            _phase3(
                ACHIEVE_I,
                "Efficacy, Safety, and Tolerability Study of Oral Ubrogepant in the Acute Treatment of "
                "Migraine",
                False,
                None,
                overall_status="RECRUITING",
                status_group="ongoing",
                last_update_post_date=date(2017, 9, 11),
            ),
        ],
        "references": [
            _reference(PREEMPT_1, "20647170", "RESULT"),
            _reference(HALO_LONG_TERM, "34115380", "BACKGROUND"),
            _reference(ACHIEVE_I, "33749826", "DERIVED"),
        ],
        "trial_classes": [
            trial_class(PREEMPT_1, "botulinum_toxin", "botulinum toxin", "Botulinum Toxin Type A"),
            trial_class(HALO_LONG_TERM, "cgrp_antibody", "fremanezumab", "Fremanezumab"),
            trial_class(HALO_CM, "cgrp_antibody", "fremanezumab", "TEV-48125"),
            trial_class(FOCUS, "cgrp_antibody", "fremanezumab", "Fremanezumab"),
            trial_class(ACHIEVE_I, "gepant", "ubrogepant", "Ubrogepant"),
        ],
    }


# -- PubMed ---------------------------------------------------------------------------------------------


def publication(pmid: str, title: str, year: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "pmid": pmid,
        "record_kind": "article",
        "title": title,
        "year": year,
        "author_count": 1,
        "is_rct_report": False,
        "is_review": False,
    }
    row.update(values)
    return row


def registry_id(pmid: str, accession: str, found_in: str) -> dict[str, Any]:
    return {
        "pmid": pmid,
        "registry": "ClinicalTrials.gov",
        "accession": accession,
        "found_in": found_in,
        "is_trial_registry": True,
    }


PREEMPT_1_PAPER = publication(
    "20647170",
    "OnabotulinumtoxinA for treatment of chronic migraine: results from the double-blind, randomized, "
    "placebo-controlled phase of the PREEMPT 1 trial",
    2010,
    iso_abbreviation="Cephalalgia",
    volume="30",
    issue="7",
    pages="793-803",
    pub_date_raw="2010 Jul",
    pub_date=date(2010, 7, 1),
    pub_date_precision="month",
    doi="10.1177/0333102410364676",
    publication_types=[
        "Clinical Trial, Phase III",
        "Multicenter Study",
        "Randomized Controlled Trial",
        "Research Support, Non-U.S. Gov't",
    ],
    first_author="Aurora SK",
    author_count=5,
    author_list_complete=False,
    is_rct_report=True,
)
FREMANEZUMAB_POST_HOC = publication(
    "34115380",
    "Reduction in the severity and duration of headache following fremanezumab treatment in patients with "
    "episodic and chronic migraine",
    2021,
    journal="Headache",
    doi="10.1111/head.14127",
    pmcid="PMC8362007",
    first_author="Ashina M",
    author_count=4,
)
UBROGEPANT_POST_HOC = publication(
    "33749826",
    "Efficacy of ubrogepant based on prior exposure and response to triptans: A post hoc analysis",
    2021,
    journal="Headache",
    doi="10.1111/head.14089",
    first_author="Blumenfeld AM",
    author_count=8,
)
ERENUMAB_REVIEW = publication(
    "35313740",
    "Erenumab for episodic migraine",
    2022,
    iso_abbreviation="Pain Manag",
    publication_types=["Review"],
    first_author="Datta A",
    is_review=True,
)
REGAIN_PAPER = publication(
    "30446596",
    "Galcanezumab in chronic migraine: The randomized, double-blind, placebo-controlled REGAIN study",
    2018,
    iso_abbreviation="Neurology",
    publication_types=["Randomized Controlled Trial"],
    first_author="Detke HC",
    author_count=6,
    is_rct_report=True,
)
BOTOX_REVIEW = publication(
    "34209849",
    "OnabotulinumtoxinA in Migraine: A Review of the Literature and Factors Associated with Efficacy",
    2021,
    journal="Journal of Clinical Medicine",
    first_author="Ray JC",
    author_count=3,
)
DELETED_PMID = BOTOX_REVIEW["pmid"]


def keyword(pmid: str, word: str) -> dict[str, Any]:
    return {"pmid": pmid, "keyword": word, "major": False, "owner": "NOTNLM"}


def pubmed_run_1() -> Rows:
    """Five papers; the fremanezumab post hoc analysis names FOCUS here (replaced by run 2's version)."""
    return {
        "publications": [PREEMPT_1_PAPER, FREMANEZUMAB_POST_HOC, ERENUMAB_REVIEW, REGAIN_PAPER, BOTOX_REVIEW],
        "publication_mesh": [],
        "publication_keywords": [
            keyword("35313740", "CGRP antagonists"),
            keyword("35313740", "erenumab"),
            keyword("34209849", "botulinum toxin"),
        ],
        "publication_registry_ids": [
            registry_id("20647170", PREEMPT_1, "databank"),
            registry_id("34115380", FOCUS, "abstract"),
            registry_id("30446596", REGAIN, "databank"),
            registry_id("34209849", PREEMPT_1, "abstract"),
        ],
        "deleted_pmids": [],
    }


def pubmed_run_2() -> Rows:
    """A newer version of the post hoc analysis (now naming HALO CM), a new paper, and one deletion."""
    return {
        "publications": [{**FREMANEZUMAB_POST_HOC, "volume": "61", "issue": "6"}, UBROGEPANT_POST_HOC],
        "publication_mesh": [],
        "publication_keywords": [],
        "publication_registry_ids": [registry_id("34115380", HALO_CM, "abstract")],
        "deleted_pmids": [{"pmid": DELETED_PMID}],
    }


def write_pubmed_partition(
    parquet_dir: Path, table: str, run_id: str, rows: list[dict[str, Any]], fetched_at: datetime
) -> None:
    full = [{**r, "run_id": run_id, "fetched_at": fetched_at, "data_timestamp": None} for r in rows]
    folder = parquet_dir / "pubmed" / table / f"run_id={run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=TABLES[table]), folder / "part-00000.parquet")


def write_pubmed_run(settings: Settings, run_id: str, fetched_at: datetime, tables: Rows) -> dict[str, int]:
    """One normalised PubMed run, then the real classify step on it; returns its PMIDs per class."""
    for table, rows in tables.items():
        write_pubmed_partition(settings.parquet_dir, table, run_id, rows, fetched_at)
    return classify(settings, "pubmed", run_id)


def write_both_sources(settings: Settings) -> None:
    write_run(settings.parquet_dir, RUN_1, FETCHED_1, ctgov_run(), "2025-12-31T22:00:00")
    write_pubmed_run(settings, PUBMED_RUN_1, PUBMED_FETCHED_1, pubmed_run_1())
    write_pubmed_run(settings, PUBMED_RUN_2, PUBMED_FETCHED_2, pubmed_run_2())


def build_both_sources(tmp_dir: Path) -> Settings:
    """A warehouse built from the ctgov run plus the first PubMed run, for read-only tests."""
    settings = make_settings(tmp_dir, **CLASSES)
    write_both_sources(settings)
    build_warehouse(settings)
    return settings


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.warehouse.path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
