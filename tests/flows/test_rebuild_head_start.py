"""A rebuild starts processes ahead only when some raw run is big enough to be normalised on them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from pipeline.config import ResourcesSettings, Settings
from pipeline.parquet import parallel
from pipeline.runs.replay_processes import rebuild_processes
from tests.normalisers.test_ctgov_normalise_parallel import write_run
from tests.warehouse.ctgov_parquet_builder import make_settings

STUDY = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path).model_copy(update={"resources": ResourcesSettings(normalise_workers=2)})


def test_no_raw_run_worth_another_process_means_no_head_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rebuild_processes(settings) == 1  # no raw zone yet
    pages: dict[str, list[dict] | bytes] = {"page-000001": [STUDY], "page-000002": [STUDY]}
    write_run(settings.raw_dir, "20260101T030000Z-aaaa", "full", pages)
    assert rebuild_processes(settings) == 1  # a few bytes: normalised by the command alone
    size = 2 * len(orjson.dumps({"studies": [STUDY]}))
    monkeypatch.setattr(parallel, "STARTED_PROCESSES_FROM_BYTES", size)
    assert rebuild_processes(settings) == 2  # as configured, once a run is worth them, started ahead
    monkeypatch.setattr(parallel, "STARTED_PROCESSES_FROM_BYTES", size + 1)
    assert rebuild_processes(settings) == 1
