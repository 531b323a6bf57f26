"""A toy third source written the way ``docs/ADDING-A-SOURCE.md`` says, entirely outside ctgov and pubmed.

A made-up register in the spirit of the EU Clinical Trials Register: ``GET /trials?page=N`` answers
``{"total": T, "next": N + 1 or null, "trials": [{"eudract_number", "title", "updated"}]}``. This module
plays the source package: client and page parsing, fetch entry, normaliser, classifier adapter,
watermark rule and the ``Source`` declaration. Its base URL comes from a factory argument because the
config model has no section for it (a real source adds one to ``pipeline/config.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from pipeline.classify.classifier import Classifier
from pipeline.config import HttpSettings, Settings
from pipeline.errors import FetchError
from pipeline.http.client import HttpClient
from pipeline.http.retry import InvalidBody
from pipeline.parquet.writer import write_partition
from pipeline.raw.zone import RawRun, utc_now_iso
from pipeline.sources.spec import Classification, Fetch, FetchJob, Source, Versions
from pipeline.util.dates import utc_day

NAME = "toyctr"
TS = pa.timestamp("us", tz="UTC")
PROVENANCE = [
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("fetched_at", TS, nullable=False),
    pa.field("data_timestamp", pa.string()),
]
TRIALS = pa.schema(
    [
        pa.field("eudract_number", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("updated", pa.date32()),
        *PROVENANCE,
    ]
)
TRIAL_CLASSES = pa.schema(
    [
        pa.field("eudract_number", pa.string(), nullable=False),
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("matched_field", pa.string(), nullable=False),
        pa.field("matched_term", pa.string(), nullable=False),
        pa.field("matched_text", pa.string()),
        *PROVENANCE,
    ]
)


def parse_page(body: bytes) -> dict[str, Any]:
    """A page, or ``InvalidBody`` (the HTTP layer then asks again instead of storing it)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("trials"), list) or "total" not in data:
        raise InvalidBody("not a page of trials")
    return data


def make_fetch(base_url: str) -> Fetch:
    def fetch(job: FetchJob) -> dict[str, Any]:
        """Every page into the raw zone; complete only when the trials received equal ``total``."""
        raw_run, plan, on_progress = job.raw_run, job.plan, job.on_progress
        http = HttpClient(HttpSettings(requests_per_second=100, max_attempts=2), job.settings.user_agent)
        started_at = utc_now_iso()
        raw_run.reset_pages()
        raw_run.write_started(started_at, {"base_url": base_url, "mode": plan.mode})
        page_no: int | None = 1
        total, received = None, 0
        try:
            while page_no is not None:
                page = http.get(f"{base_url}/trials", {"page": page_no}, validate=parse_page)
                n = len(page.parsed["trials"])
                raw_run.write_response(f"page-{page_no:06d}.json", page, n_records=n, kind="page")
                total, received, page_no = page.parsed["total"], received + n, page.parsed.get("next")
                if on_progress is not None:
                    on_progress(received, total)
        finally:
            http.close()
        if received != total:
            raise FetchError(f"toy register: received {received} trials but total was {total}")
        return raw_run.finish(
            {
                "started_at": started_at,
                "mode": plan.mode,
                "data_timestamp": started_at,
                "total_count": total,
                "n_records": received,
                "drift": {"n_ids_requested": 0, "n_records": 0},
            }
        )

    return fetch


def normalise(raw_run: RawRun, parquet_root: Path, *, workers: int = 1) -> dict[str, int]:
    """Pure rows from the raw pages, written as this run's ``trials`` partition (in this process: a
    source may use ``workers`` processes, ``pipeline.parquet.parallel``, or ignore it)."""
    data_timestamp = raw_run.complete_manifest()["data_timestamp"]
    rows = []
    for record, body in raw_run.iter_bodies(kind="page"):
        fetched_at = raw_run.fetched_at_of(record)
        rows.extend(
            {
                "eudract_number": trial["eudract_number"],
                "title": trial.get("title"),
                "updated": date.fromisoformat(trial["updated"]) if trial.get("updated") else None,
                "run_id": raw_run.run_id,
                "fetched_at": fetched_at,
                "data_timestamp": data_timestamp,
            }
            for trial in orjson.loads(body)["trials"]
        )
    write_partition(
        parquet_root, "trials", raw_run.run_id, TRIALS, [pa.Table.from_pylist(rows, schema=TRIALS)]
    )
    return {"trials": len(rows)}


def classify_trials(trials: pa.Table, classifier: Classifier) -> pa.Table:
    """Title matches, with the trial row's provenance."""
    out = []
    for row in trials.to_pylist():
        for match in classifier.classify_text_fields([("title", row["title"] or "")]):
            out.append(
                {
                    "eudract_number": row["eudract_number"],
                    "treatment_class": match.treatment_class,
                    "matched_field": match.matched_field,
                    "matched_term": match.matched_term,
                    "matched_text": match.matched_text,
                    **{k: row[k] for k in ("run_id", "fetched_at", "data_timestamp")},
                }
            )
    return pa.Table.from_pylist(out, schema=TRIAL_CLASSES)


def watermark_after(settings: Settings, run_id: str, started_at: str) -> str:
    return utc_day(started_at).isoformat()


def toy_source(base_url: str) -> Source:
    return Source(
        name=NAME,
        label="Toy Trials Register",
        key="eudract_number",
        record_table="trials",
        tables={"trials": TRIALS},
        fetch=make_fetch(base_url),
        normalise=normalise,
        classification=Classification(
            table="trial_classes", schema=TRIAL_CLASSES, inputs=("trials",), rows=classify_trials
        ),
        versions=Versions(
            relation="src_toyctr_trial_versions", columns=("eudract_number", "run_id", "fetched_at")
        ),
        watermark_after=watermark_after,
        drift_unit="trials",
    )
