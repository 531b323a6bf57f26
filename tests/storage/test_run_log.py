"""The run log: atomic records, crash marking, and which run supplies the next watermark."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.runs.log import INTERRUPTED, RunLog, RunLogError


def test_a_run_goes_from_running_to_succeeded_with_its_source_counts(tmp_path: Path) -> None:
    log = RunLog(tmp_path)
    log.start("20260101T030000Z-aaaa", "full", {"ctgov": {"mode": "full"}})
    assert log.get("20260101T030000Z-aaaa").status == "running"
    log.update_source("20260101T030000Z-aaaa", "ctgov", n_records=47, watermark="2026-01-01")
    assert log.finish("20260101T030000Z-aaaa", "succeeded").status == "succeeded"
    record = log.get("20260101T030000Z-aaaa")
    assert record.sources["ctgov"] == {"mode": "full", "n_records": 47, "watermark": "2026-01-01"}
    assert record.finished_at is not None and record.error is None
    assert not list((tmp_path / "runs").glob(".*tmp")), "no temporary file left behind"


def test_last_succeeded_skips_failed_runs_and_other_sources(tmp_path: Path) -> None:
    log = RunLog(tmp_path)
    log.start("20260101T030000Z-aaaa", "full", {"ctgov": {"mode": "full"}, "pubmed": {"mode": "full"}})
    log.finish("20260101T030000Z-aaaa", "succeeded")
    log.start("20260102T030000Z-bbbb", "incremental", {"ctgov": {"mode": "incremental"}})
    log.finish("20260102T030000Z-bbbb", "succeeded")
    log.start("20260103T030000Z-cccc", "incremental", {"ctgov": {"mode": "incremental"}})
    log.finish("20260103T030000Z-cccc", "failed", "FetchError: boom")
    assert log.last_succeeded("ctgov").run_id == "20260102T030000Z-bbbb"
    assert log.last_succeeded("ctgov", mode="full").run_id == "20260101T030000Z-aaaa"
    assert log.last_succeeded("pubmed").run_id == "20260101T030000Z-aaaa"


def test_a_run_left_running_by_a_crash_is_marked_failed_except_the_current_one(tmp_path: Path) -> None:
    log = RunLog(tmp_path)
    log.start("20260101T030000Z-dead", "full", {})
    log.start("20260102T030000Z-live", "full", {})
    assert log.mark_interrupted(keep="20260102T030000Z-live") == ["20260101T030000Z-dead"]
    assert log.get("20260101T030000Z-dead").status == "failed"
    assert log.get("20260101T030000Z-dead").error == INTERRUPTED
    assert log.get("20260102T030000Z-live").status == "running"


def test_a_corrupt_record_is_skipped_when_listing_and_named_when_read(tmp_path: Path) -> None:
    log = RunLog(tmp_path)
    log.start("20260101T030000Z-aaaa", "full", {})
    log.path("20260101T030000Z-aaaa").write_text("{not json", encoding="utf-8")
    assert log.records() == []
    with pytest.raises(RunLogError, match="corrupt"):
        log.get("20260101T030000Z-aaaa")
