"""A ClinicalTrials.gov run laid out as a refresh leaves it, from study documents: one raw page in the
raw zone with its manifest, then the real steps normalise, classify and derive it. For the tests of
the outcome layer's wiring (derivation, recovery, the build), without a server or Prefect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from outcome_support import REPO_ROOT
from outcome_support import settings as shipped_settings

from pipeline import steps
from pipeline.config import Settings
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.raw.zone import Origin, RawZone

R1 = "20260101T030000Z-aaaa"
R2 = "20260201T030000Z-bbbb"


def data_settings(root: Path) -> Settings:
    """The shipped config (classes, endpoint taxonomy) with every folder under ``root``."""
    base = shipped_settings()
    return base.model_copy(
        update={
            "storage": base.storage.model_copy(update={"data_dir": root / "data"}),
            "warehouse": base.warehouse.model_copy(update={"path": root / "warehouse" / "evidence.duckdb"}),
            "export": base.export.model_copy(update={"csv_path": root / "exports" / "evidence_trials.csv"}),
        }
    )


def write_raw_run(settings: Settings, run_id: str, docs: list[dict[str, Any]], mode: str = "full") -> None:
    """One complete raw run holding ``docs`` on one page (what a finished fetch leaves)."""
    run = RawZone(settings.raw_dir).start_run("ctgov", run_id)
    run.write_page(
        "page-000001.json",
        json.dumps({"studies": docs}).encode(),
        Origin(
            url="http://127.0.0.1/api/v2/studies",
            params={"pageSize": 1000},
            http_status=200,
            fetched_at=f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T03:00:00+00:00",
        ),
        n_records=len(docs),
    )
    run.finish(
        {
            "mode": mode,
            "started_at": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T03:00:00+00:00",
            "data_timestamp": "2026-01-01T00:00:00",
            "total_count": len(docs),
            "n_records": len(docs),
            "drift": {"n_ids_requested": 0, "n_records": 0},
        }
    )


def refresh_run(settings: Settings, run_id: str, docs: list[dict[str, Any]], mode: str = "full") -> None:
    """A fetched run, normalised, classified and derived by the pipeline's own steps."""
    write_raw_run(settings, run_id, docs, mode)
    steps.normalise(settings, "ctgov", run_id)
    steps.classify(settings, "ctgov", run_id)
    steps.derive(settings, "ctgov", run_id)


def transcribed_docs() -> list[dict[str, Any]]:
    folder = REPO_ROOT / "tests" / "fixtures" / "outcomes"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("NCT*.json"))]


def part(settings: Settings, table: str, run_id: str = R1) -> Path:
    """The Parquet file of one ctgov table's partition for a run."""
    return partition_dir(settings.parquet_dir / "ctgov", table, run_id) / PART_FILE


def relabelled(settings: Settings) -> Settings:
    """The same config with one endpoint's label edited: another taxonomy."""
    assert settings.endpoints is not None
    definitions = dict(settings.endpoints.definitions)
    definitions["hit6"] = definitions["hit6"].model_copy(update={"label": "HIT-6 total score (edited)"})
    endpoints = settings.endpoints.model_copy(update={"definitions": definitions})
    return settings.model_copy(update={"endpoints": endpoints})
