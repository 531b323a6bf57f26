"""A small warehouse for the report tests: two ClinicalTrials.gov runs (the first succeeded), a class with
no trials, classes with one trial, a subclass hierarchy, and hostile registry text.

The hostile strings are what a registry record could hold: markup and script in a title, a primary
outcome measure and a class label. The page must show them as text and never run them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Settings
from pipeline.raw.zone import RawZone
from pipeline.runs.log import RunLog
from pipeline.warehouse.build import build_warehouse
from tests.warehouse.ctgov_parquet_builder import (
    CLASSES,
    FETCHED_1,
    FETCHED_2,
    RUN_1,
    RUN_2,
    Rows,
    design_outcome,
    first_run,
    make_settings,
    merge,
    second_run,
    trial,
    trial_class,
    write_run,
)

HOSTILE_NCT = "NCT09999999"
HOSTILE_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Erenumab & co'
HOSTILE_OUTCOME = "<b>Monthly</b> migraine days <script>window.__pwned = 3</script>"
HOSTILE_LABEL = "Triptans <i>5-HT1B/1D</i> & co"
NEW_NCT = "NCT05555555"
REPORT_CLASSES: dict[str, dict[str, Any]] = {
    **CLASSES,
    "triptan": {**CLASSES["triptan"], "label": HOSTILE_LABEL},
}


def hostile_trial() -> Rows:
    return {
        "trials": [
            trial(
                HOSTILE_NCT,
                brief_title=HOSTILE_TITLE,
                overall_status="RECRUITING",
                status_group="ongoing",
                enrollment=40,
                start_date=date(2025, 3, 1),
                start_date_precision="month",
                last_update_post_date=date(2025, 9, 1),
            )
        ],
        "interventions": [
            {
                "nct_id": HOSTILE_NCT,
                "intervention_idx": 0,
                "intervention_type": "BIOLOGICAL",
                "name": "erenumab",
            }
        ],
        "design_outcomes": [design_outcome(HOSTILE_NCT, 0, HOSTILE_OUTCOME)],
        "trial_classes": [trial_class(HOSTILE_NCT, "cgrp_mab", "erenumab", "erenumab")],
    }


def new_gepant_trial() -> Rows:
    return {
        "trials": [
            trial(
                NEW_NCT,
                brief_title="Ubrogepant for Acute Treatment of Migraine in Adolescents",
                overall_status="NOT_YET_RECRUITING",
                status_group="ongoing",
                phases_raw=["PHASE3"],
                phase="PHASE3",
                enrollment=1200,
                start_date=date(2026, 6, 1),
                start_date_precision="month",
                last_update_post_date=date(2026, 1, 20),
            )
        ],
        "design_outcomes": [design_outcome(NEW_NCT, 0, "Change From Baseline in Monthly Migraine Days")],
        "trial_classes": [trial_class(NEW_NCT, "gepant", "ubrogepant", "ubrogepant")],
    }


def _refresh(settings: Settings, run_id: str, fetched_at: Any, rows: Rows, stamp: str, mode: str) -> None:
    """What a refresh leaves before its build: Parquet, a raw manifest and a ``running`` run record."""
    write_run(settings.parquet_dir, run_id, fetched_at, rows, stamp)
    raw = RawZone(settings.raw_dir).start_run("ctgov", run_id)
    raw.finish({"mode": mode, "started_at": fetched_at.isoformat(), "total_count": None})
    RunLog(settings.storage.data_dir).start(run_id, mode, {"ctgov": {"mode": mode}})


def build_report_warehouse(root: Path) -> Settings:
    """Run 1 (four trials and the hostile one) succeeded; run 2 completes the gepant trial, adds one."""
    settings = make_settings(root, **REPORT_CLASSES)
    _refresh(settings, RUN_1, FETCHED_1, merge(first_run(), hostile_trial()), "2025-12-31T22:00:00", "full")
    RunLog(settings.storage.data_dir).finish(RUN_1, "succeeded")
    _refresh(
        settings,
        RUN_2,
        FETCHED_2,
        merge(second_run(), new_gepant_trial()),
        "2026-01-31T22:00:00",
        "incremental",
    )
    build_warehouse(settings)
    return settings


def write_config(settings: Settings, path: Path) -> Path:
    """A config file for the CLI with the same folders and classes."""
    data = settings.model_dump(mode="json", include={"storage", "warehouse", "export", "treatment_classes"})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path
