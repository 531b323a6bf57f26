"""Planning a refresh: when a source is pulled in full, what an incremental pull asks the APIs for,
and the run report rendered for the Prefect artifact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from pipeline.config import Settings
from pipeline.parquet.writer import write_partition
from pipeline.runs.log import RunLog
from pipeline.runs.pull_plan import plan_sources
from pipeline.runs.report import to_markdown
from pipeline.runs.source_plan import SourcePlan
from pipeline.sources.ctgov.normalise.schemas import REREADS
from pipeline.sources.ctgov.source import incremental_params
from pipeline.sources.pubmed.source import incremental_term

TODAY = date(2026, 11, 21)


def settings_for(tmp_path: Path, **incremental: object) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"data_dir": str(tmp_path / "data")},
            "warehouse": {"path": str(tmp_path / "evidence.duckdb")},
            "incremental": {"drift_slice_min": 2, "reread_within_days": 10, **incremental},
            "treatment_classes": {"triptan": {"label": "Triptans", "terms": ["sumatriptan"]}},
        }
    )


def succeeded(settings: Settings, run_id: str, **sources: dict) -> None:
    """A succeeded run record, started on the day its id says (the log stamps the real clock)."""
    log = RunLog(settings.storage.data_dir)
    log.start(run_id, "full", sources)
    log.finish(run_id, "succeeded")
    path = log.path(run_id)
    record = orjson.loads(path.read_bytes())
    record["started_at"] = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T03:00:00.000Z"
    path.write_bytes(orjson.dumps(record))


def warehouse_with_trials(settings: Settings, n: int) -> None:
    with duckdb.connect(str(settings.warehouse.path)) as con:
        con.execute("CREATE TABLE trials (nct_id VARCHAR, fetched_at TIMESTAMPTZ)")
        con.execute(
            "INSERT INTO trials SELECT printf('NCT%08d', i), TIMESTAMPTZ '2026-01-01' + to_days(i) "
            "FROM range(?) AS t(i)",
            [n],
        )


def warehouse_with_publications(settings: Settings, n: int) -> None:
    """PMIDs read over three days, several per instant: the slice is ordered by fetched_at, then pmid."""
    with duckdb.connect(str(settings.warehouse.path)) as con:
        con.execute("CREATE TABLE publications (pmid VARCHAR, fetched_at TIMESTAMPTZ)")
        con.execute(
            "INSERT INTO publications SELECT (30000000 + i)::VARCHAR, "
            "TIMESTAMPTZ '2026-01-01' + to_days((i % 3)::INTEGER) FROM range(?) AS t(i) ORDER BY random()",
            [n],
        )


def test_first_run_and_forced_runs_are_full(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert plan_sources(settings, ("ctgov",), full=False, today=TODAY)["ctgov"].mode == "full"
    succeeded(settings, "20261120T030000Z-aaaa", ctgov={"mode": "full", "watermark": "2026-11-19"})
    warehouse_with_trials(settings, 30)
    assert plan_sources(settings, ("ctgov",), full=True, today=TODAY)["ctgov"].reason.startswith(
        "full pull requested"
    )


def test_incremental_pull_reaches_back_one_day_and_rereads_the_oldest(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    succeeded(settings, "20261120T030000Z-aaaa", ctgov={"mode": "full", "watermark": "2026-11-19"})
    warehouse_with_trials(settings, 30)
    plan = plan_sources(settings, ("ctgov",), full=False, today=TODAY)["ctgov"]
    assert plan.mode == "incremental" and plan.since == "2026-11-18"
    assert incremental_params(plan) == {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2026-11-18,MAX]"}
    assert plan.drift_ids == ("NCT00000000", "NCT00000001", "NCT00000002"), "ceil(30 / 10) oldest-read"
    assert SourcePlan.from_record(plan.as_record()) == plan


def test_trials_found_unchanged_by_a_drift_reread_count_as_read_then(tmp_path: Path) -> None:
    """Unchanged re-reads are only in the rereads Parquet table: the next slice moves past them."""
    settings = settings_for(tmp_path)
    succeeded(settings, "20261120T030000Z-aaaa", ctgov={"mode": "full", "watermark": "2026-11-19"})
    warehouse_with_trials(settings, 30)
    read = datetime(2026, 11, 20, 3, tzinfo=UTC)
    rows = [
        {"nct_id": f"NCT0000000{i}", "content_sha256": "h", "run_id": "r", "fetched_at": read} for i in (0, 2)
    ]
    write_partition(
        settings.parquet_dir / "ctgov", "rereads", "r", REREADS, [pa.Table.from_pylist(rows, schema=REREADS)]
    )
    plan = plan_sources(settings, ("ctgov",), full=False, today=TODAY)["ctgov"]
    assert plan.drift_ids == ("NCT00000001", "NCT00000003", "NCT00000004")


def test_a_stale_full_pull_forces_the_next_one_full(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, full_every_days=7)
    succeeded(settings, "20261110T030000Z-aaaa", ctgov={"mode": "full", "watermark": "2026-11-09"})
    succeeded(settings, "20261120T030000Z-bbbb", ctgov={"mode": "incremental", "watermark": "2026-11-19"})
    warehouse_with_trials(settings, 3)
    plan = plan_sources(settings, ("ctgov",), full=False, today=TODAY)["ctgov"]
    assert plan.mode == "full" and "11 days ago" in plan.reason


def test_incremental_pubmed_pull_rereads_the_oldest_read_pmids(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    succeeded(settings, "20261120T030000Z-aaaa", pubmed={"mode": "full", "watermark": "2026-11-20"})
    warehouse_with_trials(settings, 30)
    warehouse_with_publications(settings, 25)
    plans = plan_sources(settings, ("pubmed",), full=False, today=TODAY)
    plan = plans["pubmed"]
    assert plan.mode == "incremental" and plan.since == "2026-11-19"
    # ceil(25 / 10) = 3 of the PMIDs read on the first day (i % 3 == 0), lowest PMID first.
    assert plan.drift_ids == ("30000000", "30000003", "30000006")
    assert plan.as_record()["n_drift_ids"] == 3
    assert SourcePlan.from_record(plan.as_record()) == plan
    assert plan_sources(settings, ("pubmed",), full=True, today=TODAY)["pubmed"].drift_ids == ()


def test_a_small_pubmed_slice_is_still_drift_slice_min(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, drift_slice_min=4)
    succeeded(settings, "20261120T030000Z-aaaa", pubmed={"mode": "full", "watermark": "2026-11-20"})
    warehouse_with_publications(settings, 9)
    plan = plan_sources(settings, ("pubmed",), full=False, today=TODAY)["pubmed"]
    assert plan.drift_ids == ("30000000", "30000003", "30000006", "30000001"), "max(4, ceil(9 / 10))"


def test_each_source_plans_its_own_slice(tmp_path: Path) -> None:
    """One warehouse, two slices: trials for ClinicalTrials.gov, PMIDs for PubMed; a full source has none."""
    settings = settings_for(tmp_path)
    succeeded(
        settings,
        "20261120T030000Z-aaaa",
        ctgov={"mode": "full", "watermark": "2026-11-19"},
        pubmed={"mode": "full", "watermark": "2026-11-20"},
    )
    warehouse_with_trials(settings, 30)
    warehouse_with_publications(settings, 12)
    plans = plan_sources(settings, ("ctgov", "pubmed"), full=False, today=TODAY)
    assert plans["ctgov"].drift_ids == ("NCT00000000", "NCT00000001", "NCT00000002")
    assert plans["pubmed"].drift_ids == ("30000000", "30000003")
    full = plan_sources(settings, ("ctgov", "pubmed"), full=True, today=TODAY)
    assert {name: p.drift_ids for name, p in full.items()} == {"ctgov": (), "pubmed": ()}


def test_pubmed_incremental_term_asks_for_entered_or_revised_records(tmp_path: Path) -> None:
    plan = SourcePlan("pubmed", "incremental", "test", "2026-11-20", "2026-11-19")
    assert incremental_term("migraine[MeSH Terms]", plan) == (
        '(migraine[MeSH Terms]) AND ("2026/11/19"[EDAT] : "3000"[EDAT] OR "2026/11/19"[MDAT] : "3000"[MDAT])'
    )
    assert incremental_term("q", SourcePlan("pubmed", "full", "test")) == "q"


def test_report_markdown_lists_classes_and_changes() -> None:
    report = {
        "run_id": "20261121T030000Z-aaaa",
        "built_at": "2026-11-21 03:05:00+00",
        "n_trials": 47,
        "n_publications": 49,
        "n_removed_trials_total": 1,
        "baseline_run_id": "20261120T030000Z-bbbb",
        "changes": {"added": 1, "changed": 1, "removed": 0},
        "classes": [
            {
                "treatment_class": "cgrp",
                "label": "CGRP",
                "n_trials": 13,
                "n_with_results": 2,
                "n_publications": 5,
                "added": 0,
                "changed": 1,
                "removed": 0,
            },
        ],
        "listed_changes": [
            {
                "change": "changed",
                "nct_id": "NCT04408794",
                "title": "A | trial",
                "previous_status": "RECRUITING",
                "status": "TERMINATED",
                "fields": "overall_status",
                "classes": "cgrp, gepant",
            },
        ],
    }
    text = to_markdown(report)
    assert "| CGRP (`cgrp`) | 13 | 2 | 5 | 0 | 1 | 0 |" in text
    assert "RECRUITING → TERMINATED" in text and "A / trial" in text
    assert "1 added, 1 changed, 0 removed" in text and "since run 20261120T030000Z-bbbb" in text
