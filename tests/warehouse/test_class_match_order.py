"""The rows of ``trial_classes`` and ``publication_classes`` come out in one order whatever the build: their
ORDER BY is unique over the rows.

DuckDB's sort is not stable, so rows tied on a table's ORDER BY may change places from build to build (two
builds of the same code did, on the rows of one trial matching one term in several arm texts). The data
here holds such rows; the test reads the ORDER BY from the SQL file itself, so a column dropped from it
fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from ctgov_parquet_builder import FETCHED_1, RUN_1, make_settings, trial_class, write_run
from pubmed_parquet_builder import (
    CLASSES,
    ERENUMAB_REVIEW,
    FOCUS,
    PUBMED_FETCHED_1,
    PUBMED_RUN_1,
    ctgov_run,
    keyword,
    write_pubmed_run,
)

from pipeline.config import Settings
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.sql_files import packaged_sql_files

TABLES = {
    # table: (its SQL file, the columns a match is named by before its text)
    "trial_classes": (
        "marts/trials/trial_classes.sql",
        "nct_id, treatment_class, matched_field, matched_term",
    ),
    "publication_classes": (
        "marts/publications/publication_classes.sql",
        "pmid, treatment_class, matched_field, matched_term",
    ),
}


def order_by(table: str) -> str:
    """The final ORDER BY of the table's SQL file, without the table alias."""
    text = next(f.text for f in packaged_sql_files() if f.name == TABLES[table][0])
    create = text[text.index(f"CREATE TABLE {table}") : text.index(f"COMMENT ON TABLE {table}")]
    found = re.search(r"ORDER BY\s+(.*?);", create, re.DOTALL)
    assert found, f"{table} has no ORDER BY"
    return re.sub(r"\bm\.", "", " ".join(found.group(1).split()))


def write_tied_matches(settings: Settings) -> None:
    """A trial matching one term in two intervention names, a paper matching one term in two keywords."""
    trials = ctgov_run()
    trials["trial_classes"] += [
        trial_class(FOCUS, "cgrp_antibody", "fremanezumab", "Fremanezumab 675 mg quarterly"),
        trial_class(FOCUS, "cgrp_antibody", "fremanezumab", "Fremanezumab 225 mg monthly"),
    ]
    write_run(settings.parquet_dir, RUN_1, FETCHED_1, trials, "2025-12-31T22:00:00")
    papers = {
        "publications": [ERENUMAB_REVIEW],
        "publication_mesh": [],
        "publication_keywords": [
            keyword(ERENUMAB_REVIEW["pmid"], word) for word in ("erenumab", "Erenumab (AMG 334)")
        ],
        "publication_registry_ids": [],
        "deleted_pmids": [],
    }
    write_pubmed_run(settings, PUBMED_RUN_1, PUBMED_FETCHED_1, papers)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = make_settings(tmp_path_factory.mktemp("order"), **CLASSES)
    write_tied_matches(settings)
    build_warehouse(settings)
    return settings.warehouse.path


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_order_by_is_unique_over_rows_that_tie_on_the_match(warehouse: Path, table: str) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def count(select: str) -> int:
            return con.execute(f"SELECT count(*) FROM (SELECT {select} FROM {table})").fetchone()[0]

        n_rows = count("*")
        assert count(f"DISTINCT {TABLES[table][1]}") < n_rows, "the data must hold matches differing by text"
        assert count(f"DISTINCT {order_by(table)}") == n_rows, f"rows tie on {table}'s ORDER BY"
    finally:
        con.close()
