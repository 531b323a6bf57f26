"""A ClinicalTrials.gov run of the real records on several raw pages, for the tests that prove a run's
outputs computed page by page while it is normalised (pipeline/sources/derive_pages.py: classes and
outcome tables) are the bytes the classify and derive steps write from the whole run."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from refresh_layout import R1, data_settings

from pipeline import steps
from pipeline.config import Settings
from pipeline.demo.ctgov_api import load_studies
from pipeline.raw.zone import Origin, RawZone
from tests.conftest import REPO_ROOT


def real_studies(fixtures: Path) -> list[dict[str, Any]]:
    """The recorded full records, the migraine ones and the transcribed pivotal trials with results."""
    folders = [
        fixtures / "ctgov" / "studies",
        fixtures / "ctgov" / "migraine",
        REPO_ROOT / "tests/fixtures/outcomes",
    ]
    return load_studies(folders)


def replicated(studies: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    """``copies`` of every study under new nctIds (NCT9...), in round-robin order."""
    out = []
    for i in range(copies * len(studies)):
        doc = copy.deepcopy(studies[i % len(studies)])
        doc["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        out.append(doc)
    return out


def write_paged_run(settings: Settings, docs: list[dict[str, Any]], per_page: int) -> None:
    run = RawZone(settings.raw_dir).start_run("ctgov", R1)
    pages = [docs[i : i + per_page] for i in range(0, len(docs), per_page)]
    for n, page in enumerate(pages, 1):
        origin = Origin(
            "http://127.0.0.1/api/v2/studies", {"pageSize": per_page}, 200, "2026-01-01T03:00:00+00:00"
        )
        run.write_page(
            f"page-{n:06d}.json", json.dumps({"studies": page}).encode(), origin, n_records=len(page)
        )
    drift = {"n_ids_requested": 0, "n_records": 0}
    run.finish(
        {
            "mode": "full",
            "data_timestamp": "2026-01-01T00:00:00",
            "total_count": len(docs),
            "n_records": len(docs),
            "drift": drift,
        }
    )


def with_workers(settings: Settings, workers: int) -> Settings:
    return settings.model_copy(
        update={"resources": settings.resources.model_copy(update={"normalise_workers": workers})}
    )


def normalised_real_run(root: Path, fixtures: Path, per_page: int) -> Settings:
    """The real records on pages of ``per_page`` under ``root``, normalised (and so classified and
    derived page by page); returns the settings of that data folder."""
    settings = data_settings(root)
    write_paged_run(settings, real_studies(fixtures), per_page)
    steps.normalise(settings, "ctgov", R1)
    return settings
