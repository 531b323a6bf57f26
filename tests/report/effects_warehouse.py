"""A warehouse with effect estimates for the report tests: the demo's records as `evidence demo` serves them
(registry records plus the pivotal-trial results transcribed from their publications), pulled through the
pipeline's own steps (normalise, classify, derive, build, plots) without a server or Prefect.

It holds a pool of two trials with a forest plot (CGRP antibodies x monthly migraine days x episodic, and
its parent class), one-trial pools (no plot), classes with trials but no effect, and classes with no
trial at all.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import steps
from pipeline.config import Settings, load_config
from pipeline.demo.ctgov_api import load_studies
from pipeline.demo.publication_results import FROM_PUBLICATIONS, with_publication_results
from pipeline.demo.site import RECORDS
from pipeline.raw.zone import Origin, RawZone
from pipeline.warehouse.build import build_warehouse
from tests.conftest import REPO_ROOT

RUN_ID = "20260101T030000Z-aaaa"
FETCHED_AT = "2026-01-01T03:00:00+00:00"


def effects_settings(root: Path) -> Settings:
    """The shipped config (classes, endpoint taxonomy) with every folder under ``root``."""
    base = load_config(REPO_ROOT / "config.yaml")
    return base.model_copy(
        update={
            "storage": base.storage.model_copy(update={"data_dir": root / "data"}),
            "warehouse": base.warehouse.model_copy(update={"path": root / "warehouse" / "evidence.duckdb"}),
            "export": base.export.model_copy(update={"csv_path": root / "exports" / "evidence_trials.csv"}),
            # report.dir too: the shipped one is the checkout's data/report. Transcribed, as the demo's.
            "report": base.report.model_copy(update={"dir": root / "report", "results_from": "publications"}),
        }
    )


def build_effects_warehouse(root: Path) -> Settings:
    """The demo's studies in one raw run, through the steps a refresh runs after its fetch."""
    settings = effects_settings(root)
    studies = with_publication_results(load_studies([RECORDS / "ctgov"]), RECORDS / FROM_PUBLICATIONS).studies
    run = RawZone(settings.raw_dir).start_run("ctgov", RUN_ID)
    origin = Origin(url="http://127.0.0.1/api/v2/studies", params={}, http_status=200, fetched_at=FETCHED_AT)
    run.write_page(
        "page-000001.json", json.dumps({"studies": studies}).encode(), origin, n_records=len(studies)
    )
    run.finish(
        {
            "mode": "full",
            "started_at": FETCHED_AT,
            "data_timestamp": "2026-01-01T00:00:00",
            "total_count": len(studies),
            "n_records": len(studies),
            "drift": {"n_ids_requested": 0, "n_records": 0},
        }
    )
    steps.normalise(settings, "ctgov", RUN_ID)
    steps.classify(settings, "ctgov", RUN_ID)
    steps.derive(settings, "ctgov", RUN_ID)
    build_warehouse(settings)
    steps.plots(settings)
    return settings
