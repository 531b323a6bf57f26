"""ClinicalTrials.gov as the pipeline sees it: its registry entry and the rules only it has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.parquet.writer import partition_dir
from pipeline.runs.log import RunLog
from pipeline.runs.source_plan import SourcePlan
from pipeline.sources.ctgov.classify import classify_ctgov_tables
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.fetch import fetch_run
from pipeline.sources.ctgov.normalise.rereads import REREADS_TABLE
from pipeline.sources.ctgov.normalise.run import normalise_run
from pipeline.sources.ctgov.normalise.schemas import REREADS, TABLES, TRIAL_CLASSES
from pipeline.sources.ctgov.outcomes import OUTCOMES
from pipeline.sources.ctgov.request import CtgovRequest
from pipeline.sources.spec import Classification, FetchJob, Source, Versions
from pipeline.util.dates import utc_day

NAME = "ctgov"


def fetch(job: FetchJob) -> dict[str, Any]:
    """The configured condition's studies (all, or changed since the watermark plus the drift slice)."""
    settings = job.settings
    client = CtgovClient(settings.sources.ctgov, user_agent=settings.user_agent)
    try:
        request = CtgovRequest(
            extra_params=incremental_params(job.plan),
            mode=job.plan.mode,
            drift_ids=job.plan.drift_ids,
            drift_ids_per_request=settings.incremental.drift_ids_per_request,
        )
        return fetch_run(client, job.raw_run, request, on_page=job.on_progress, resume_from=job.resume_from)
    finally:
        client.close()


def incremental_params(plan: SourcePlan) -> dict[str, str]:
    """The incremental filter, in the API's Essie syntax (the test server understands it too)."""
    since = plan.incremental_since
    return {} if since is None else {"filter.advanced": f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"}


def watermark_after(settings: Settings, run_id: str, started_at: str) -> str:
    """The newest lastUpdatePostDate the run saw, never moving backwards (a night with no changes keeps
    the previous one); the day the run started when there is neither."""
    previous = RunLog(settings.storage.data_dir).last_succeeded(NAME)
    earlier = previous.sources[NAME].get("watermark") if previous else None
    seen = _max_last_update(settings.parquet_dir / NAME, run_id)
    candidates = [d for d in (earlier, seen) if d]
    return max(candidates) if candidates else utc_day(started_at).isoformat()


def _max_last_update(root: Path, run_id: str) -> str | None:
    path = partition_dir(root, "trials", run_id)
    if not path.is_dir():
        return None
    column = pq.read_table(path, columns=["last_update_post_date"], partitioning=None).column(0)
    newest = pc.max(column).as_py()
    return newest.isoformat() if newest else None


CTGOV = Source(
    name=NAME,
    label="ClinicalTrials.gov",
    key="nct_id",
    record_table="trials",
    tables={**TABLES, REREADS_TABLE: REREADS},
    fetch=fetch,
    normalise=normalise_run,
    classification=Classification(
        table="trial_classes",
        schema=TRIAL_CLASSES,
        inputs=("trials", "interventions", "arms", "intervention_mesh"),
        rows=classify_ctgov_tables,
        by_page=True,  # rows per trial in nct_id order: normalise classifies each page as it goes
    ),
    versions=Versions(
        relation="src_ctgov_trial_versions",
        columns=(
            "nct_id",
            "run_id",
            "fetched_at",
            "brief_title",
            "overall_status",
            "phase",
            "enrollment",
            "last_update_post_date",
        ),
    ),
    watermark_after=watermark_after,
    drift_unit="trials",
    # A drift re-read that found a trial unchanged stores no version, only a re-read row.
    reread_table=REREADS_TABLE,
    # trial_changes compares with the last succeeded run before the newest (see warehouse/plan.py).
    changes_baseline=("trials", REREADS_TABLE),
    # Each trial's canonical endpoints and effects against control (the endpoint taxonomy of the config).
    derivations=(OUTCOMES,),
)
