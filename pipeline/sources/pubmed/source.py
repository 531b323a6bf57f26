"""PubMed as the pipeline sees it: its registry entry and the rules only it has."""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.raw.zone import RawZone
from pipeline.runs.source_plan import SourcePlan
from pipeline.sources.pubmed.classify import classify_pubmed_tables
from pipeline.sources.pubmed.client import PubmedClient, api_key_from_env
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES
from pipeline.sources.pubmed.normalise.run import normalise_run
from pipeline.sources.pubmed.normalise.schemas import TABLES
from pipeline.sources.pubmed.query import query_for
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.spec import Classification, FetchJob, Source, Versions
from pipeline.util.dates import utc_day

NAME = "pubmed"


def fetch(job: FetchJob) -> dict[str, Any]:
    """The records matching the configured (or class-derived) query, all of them or those entered or
    revised since the watermark, plus the drift slice (oldest-read PMIDs)."""
    settings = job.settings
    client = PubmedClient(settings.sources.pubmed, user_agent=settings.user_agent, api_key=api_key_from_env())
    try:
        request = PubmedRequest(
            incremental_term(query_for(settings), job.plan), mode=job.plan.mode, drift_ids=job.plan.drift_ids
        )
        return fetch_run(
            client, job.raw_run, request, on_progress=job.on_progress, resume_from=job.resume_from
        )
    finally:
        client.close()


def incremental_term(query: str, plan: SourcePlan) -> str:
    """The query, limited on an incremental pull to records entered OR revised since the plan's day.

    One search (not one per date type), so PubMed itself returns each PMID once and a quiet night
    costs a single ESearch.
    """
    since = plan.incremental_since
    if since is None:
        return query
    day = since.replace("-", "/")
    return f'({query}) AND ("{day}"[EDAT] : "3000"[EDAT] OR "{day}"[MDAT] : "3000"[MDAT])'


def watermark_after(settings: Settings, run_id: str, started_at: str) -> str:
    """The day the run started (ESearch dates are NCBI's own, so the pull covers everything entered or
    revised from that day on), or the day of its search if it resumed an earlier cut-off run's (its
    manifest's ``data_timestamp``)."""
    start_day = utc_day(started_at).isoformat()
    return min(start_day, _search_day(settings, run_id) or start_day)


def _search_day(settings: Settings, run_id: str) -> str | None:
    """The day a run's answer reflects, from its raw manifest (None when it has none)."""
    try:
        stamp = RawZone(settings.raw_dir).open_run(NAME, run_id).complete_manifest().get("data_timestamp")
        return utc_day(stamp).isoformat() if isinstance(stamp, str) else None
    except (RawZoneError, ValueError):
        return None


PUBMED = Source(
    name=NAME,
    label="PubMed",
    key="pmid",
    record_table="publications",
    tables=TABLES,
    fetch=fetch,
    normalise=normalise_run,
    classification=Classification(
        table="publication_classes",
        schema=PUBLICATION_CLASSES,
        inputs=("publications", "publication_mesh", "publication_keywords"),
        rows=classify_pubmed_tables,
    ),
    versions=Versions(
        relation="src_pubmed_publication_versions", columns=("pmid", "run_id", "fetched_at", "title")
    ),
    watermark_after=watermark_after,
    # A re-read always stores the record again (no content hash), so publications.fetched_at says it all.
    drift_unit="PMIDs",
    # DeleteCitation: PMIDs PubMed withdrew, listed in an EFetch body.
    tombstone_tables=("deleted_pmids",),
)
