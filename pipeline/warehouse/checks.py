"""Data checks run on a freshly built warehouse before it replaces the old one.

Each check is a query returning one text column of offending examples (duplicate keys, bad values,
missing classes); an empty result passes. Analysts trust the evidence tables because a build that
breaks these rules never reaches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from pipeline.sources.pubmed.normalise.class_schema import MATCHED_FIELDS as PUBLICATION_MATCHED_FIELDS

PHASES = (
    "EARLY_PHASE1",
    "PHASE1",
    "PHASE1/PHASE2",
    "PHASE2",
    "PHASE2/PHASE3",
    "PHASE3",
    "PHASE4",
    "NA",
)
STATUS_GROUPS = ("ongoing", "completed", "ended_early", "other")
LINK_SOURCES = ("pubmed_databank", "pubmed_text", "ctgov_reference")
RESULTS_ROUTES = ("registry", "publication", "both", "none")
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Check:
    name: str
    sql: str
    params: tuple[object, ...] = ()


@dataclass(frozen=True)
class CheckFailure:
    name: str
    n_failing: int
    examples: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.examples)
        return f"{self.name} ({self.n_failing} failing{f', e.g. {shown}' if shown else ''})"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def unique(table: str, *columns: str) -> Check:
    cols = ", ".join(columns)
    return Check(
        f"{table} ({cols}) unique",
        f"SELECT concat_ws(' / ', {cols}) FROM {table} GROUP BY {cols} HAVING count(*) > 1",
    )


def not_null(table: str, column: str, label: str = "nct_id") -> Check:
    return Check(
        f"{table}.{column} not null",
        f"SELECT coalesce(CAST({label} AS VARCHAR), '?') FROM {table} WHERE {column} IS NULL",
    )


def allowed(table: str, column: str, values: Sequence[str], nullable: bool) -> Check:
    null_rule = "" if nullable else f" OR {column} IS NULL"
    return Check(
        f"{table}.{column} allowed values",
        f"SELECT DISTINCT coalesce(CAST({column} AS VARCHAR), 'NULL') FROM {table} "
        f"WHERE {column} NOT IN ({_quoted(values)}){null_rule}",
    )


def data_checks(class_names: Sequence[str]) -> list[Check]:
    """The rules the analyst-facing tables must meet; class_names are the configured classes."""
    return [
        unique("trials", "nct_id"),
        unique("trial_conditions", "nct_id", "condition_idx"),
        unique("trial_interventions", "nct_id", "intervention_idx"),
        unique("trial_arms", "nct_id", "arm_idx"),
        unique("trial_outcomes", "nct_id", "outcome_kind", "outcome_idx"),
        unique("trial_result_analyses", "nct_id", "outcome_idx", "analysis_idx"),
        unique("trial_references", "nct_id", "reference_idx"),
        unique("treatment_classes", "treatment_class"),
        unique("evidence_trials", "treatment_class", "nct_id"),
        unique("evidence", "treatment_class", "phase", "overall_status", "status_group"),
        *(not_null("trials", c) for c in ("nct_id", "status_group", "has_results", "url", "run_id")),
        *(
            not_null("evidence_trials", c)
            for c in ("treatment_class", "class_label", "nct_id", "status_group", "has_results", "url")
        ),
        *(not_null("trial_classes", c) for c in ("treatment_class", "matched_field", "matched_term")),
        *(not_null("evidence", c, "treatment_class") for c in ("treatment_class", "class_label", "n_trials")),
        allowed("trials", "phase", PHASES, nullable=True),
        allowed("evidence_trials", "phase", PHASES, nullable=True),
        allowed("evidence", "phase", PHASES, nullable=True),
        allowed("trials", "status_group", STATUS_GROUPS, nullable=False),
        allowed("evidence_trials", "status_group", STATUS_GROUPS, nullable=False),
        Check(
            "every configured class in evidence",
            "SELECT unnest($1::VARCHAR[]) EXCEPT SELECT treatment_class FROM evidence",
            (list(class_names),),
        ),
        Check(
            "evidence n_trials match evidence_trials",
            "SELECT treatment_class FROM ("
            " SELECT treatment_class, sum(n_trials) AS n FROM evidence GROUP BY treatment_class) AS e "
            "FULL JOIN (SELECT treatment_class, count(*) AS n FROM evidence_trials GROUP BY treatment_class) "
            "AS t USING (treatment_class) WHERE coalesce(e.n, 0) <> coalesce(t.n, 0)",
        ),
        Check(
            "evidence_trials trials exist in trials",
            "SELECT nct_id FROM evidence_trials EXCEPT SELECT nct_id FROM trials",
        ),
        *publication_checks(),
        *refresh_checks(),
    ]


def publication_checks() -> list[Check]:
    """PubMed tables and the publication columns of the evidence tables."""
    return [
        unique("publications", "pmid"),
        unique("publication_registry_ids", "pmid", "registry", "accession", "found_in"),
        unique("trial_publications", "nct_id", "pmid", "link_source", "reference_type"),
        *(
            not_null("publications", c, "pmid")
            for c in ("pmid", "is_rct_report", "is_review", "url", "run_id")
        ),
        *(
            not_null("publication_classes", c, "pmid")
            for c in ("treatment_class", "matched_field", "matched_term")
        ),
        *(not_null("trial_publications", c, "pmid") for c in ("nct_id", "pmid", "is_results_link")),
        allowed("publication_classes", "matched_field", PUBLICATION_MATCHED_FIELDS, nullable=False),
        allowed("trial_publications", "link_source", LINK_SOURCES, nullable=False),
        allowed("evidence_trials", "results_route", RESULTS_ROUTES, nullable=False),
        Check(
            "trial_publications ends exist",
            "SELECT nct_id || ' / ' || pmid FROM trial_publications AS l "
            "WHERE NOT EXISTS (SELECT 1 FROM trials AS t WHERE t.nct_id = l.nct_id) "
            "OR NOT EXISTS (SELECT 1 FROM publications AS p WHERE p.pmid = l.pmid)",
        ),
        Check(
            "evidence published-results trials within n_trials",
            "SELECT treatment_class FROM evidence WHERE n_trials_with_published_results > n_trials",
        ),
        Check(
            "evidence publication counts one value per class",
            "SELECT treatment_class FROM evidence GROUP BY treatment_class "
            "HAVING count(DISTINCT n_publications) > 1 OR count(DISTINCT n_rct_publications) > 1",
        ),
        Check(
            "evidence n_publications cover the class's own matches",
            "SELECT DISTINCT e.treatment_class FROM evidence AS e LEFT JOIN ("
            " SELECT treatment_class, count(DISTINCT pmid) AS n FROM publication_classes"
            " GROUP BY treatment_class) AS c USING (treatment_class) "
            "WHERE e.n_publications < coalesce(c.n, 0)",
        ),
    ]


CHANGE_KINDS = ("added", "changed", "removed")

# When the newest ClinicalTrials.gov run with data was a full pull, the current trials are exactly
# what it returned: their number must be the totalCount the API announced for it.
CTGOV_RECONCILED = """
WITH latest AS (SELECT run_id FROM stg_ctgov_latest_run),
full_run AS (
    SELECT r.run_id, r.total_count FROM src_raw_runs AS r JOIN latest AS l USING (run_id)
    WHERE r.source = 'ctgov' AND r.mode = 'full'
)
SELECT run_id || ': totalCount ' || total_count || ' but ' || (SELECT count(*) FROM trials) || ' trials'
FROM full_run WHERE total_count <> (SELECT count(*) FROM trials)
"""
# The same for PubMed: ESearch's Count, minus the PMIDs the same pull returned and then deleted.
PUBMED_RECONCILED = """
WITH latest AS (
    SELECT max(run_id) AS run_id FROM stg_partition_runs
    WHERE source = 'pubmed' AND table_name IN ('publications', 'deleted_pmids')
),
full_run AS (
    SELECT r.run_id, r.total_count FROM src_raw_runs AS r JOIN latest AS l USING (run_id)
    WHERE r.source = 'pubmed' AND r.mode = 'full'
),
deleted AS (
    SELECT count(DISTINCT p.pmid) AS n
    FROM src_pubmed_publications AS p
    JOIN src_pubmed_deleted_pmids AS d USING (pmid, run_id)
    WHERE p.run_id = (SELECT run_id FROM full_run)
)
SELECT run_id || ': Count ' || total_count || ' minus ' || (SELECT n FROM deleted) || ' deleted but '
    || (SELECT count(*) FROM publications) || ' publications'
FROM full_run WHERE total_count - (SELECT n FROM deleted) <> (SELECT count(*) FROM publications)
"""


def refresh_checks() -> list[Check]:
    """Removal, history, change and run tables, and the counts reconciled with the APIs' totals."""
    return [
        unique("removed_trials", "nct_id"),
        unique("trial_status_history", "nct_id", "valid_from"),
        unique("trial_changes", "nct_id"),
        unique("runs", "run_id", "source"),
        allowed("trial_changes", "change", CHANGE_KINDS, nullable=False),
        *(not_null("trial_status_history", c) for c in ("nct_id", "valid_from", "run_id")),
        Check(
            "removed trials absent from trials",
            "SELECT nct_id FROM removed_trials INTERSECT SELECT nct_id FROM trials",
        ),
        Check("trials reconcile with the newest full ClinicalTrials.gov pull", CTGOV_RECONCILED),
        Check("publications reconcile with the newest full PubMed pull", PUBMED_RECONCILED),
    ]


def documentation_checks() -> list[Check]:
    """Every persistent table and column carries a comment, so the warehouse documents itself."""
    return [
        Check(
            "every table commented",
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND NOT temporary AND coalesce(trim(comment), '') = ''",
        ),
        Check(
            "every column commented",
            "SELECT table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND NOT internal AND coalesce(trim(comment), '') = ''",
        ),
    ]


def run_checks(con: duckdb.DuckDBPyConnection, checks: Sequence[Check]) -> list[CheckFailure]:
    """Run every check (not stopping at the first) so one build reports all that is wrong.

    On ``con`` itself, not a cursor: the reconciliation checks read the relations registered on it.
    Each result is fetched whole before the next query runs.
    """
    failures = []
    for check in checks:
        rows = con.execute(check.sql, list(check.params) or None).fetchall()
        if rows:
            examples = tuple(str(r[0]) for r in rows[:MAX_EXAMPLES])
            failures.append(CheckFailure(check.name, len(rows), examples))
    return failures
