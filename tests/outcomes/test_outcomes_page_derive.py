"""The outcome tables derived page by page while a run is normalised (pipeline/sources/derive_pages.py)
are the bytes the derive step writes from the whole run read back from Parquet: on the real records
and on them replicated over several pages normalised by two processes. A run the page-by-page path
cannot derive (a trial on two pages, a page whose derivation fails) is left to the derive step."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from paged_runs import normalised_real_run, real_studies, replicated, with_workers, write_paged_run
from refresh_layout import R1, data_settings, part

from pipeline import steps
from pipeline.config import Settings
from pipeline.errors import NormaliseError, OutcomeError
from pipeline.outcomes.tables import CTGOV_INPUTS
from pipeline.sources import derive_pages
from pipeline.sources.ctgov import outcomes
from pipeline.sources.ctgov.outcomes import OUTCOMES, PARQUET_TABLES, combine_pages, derive_outcomes
from pipeline.sources.derive_pages import current_rows

ROOT_TABLES = tuple(PARQUET_TABLES)


def derived_bytes(settings: Settings) -> dict[str, bytes]:
    return {table: part(settings, table).read_bytes() for table in ROOT_TABLES}


def derived_by_the_derive_step(settings: Settings) -> dict[str, bytes]:
    """What the derive step writes from the whole run's Parquet tables, the page-by-page output removed."""
    for table in ROOT_TABLES:
        shutil.rmtree(part(settings, table).parent, ignore_errors=True)
    steps.derive(settings, "ctgov", R1)
    return derived_bytes(settings)


@pytest.mark.parametrize(("copies", "per_page", "workers"), [(1, 1000, 1), (3, 40, 2)])
def test_page_by_page_equals_the_whole_run_byte_for_byte(
    tmp_path: Path, fixtures_dir: Path, copies: int, per_page: int, workers: int
) -> None:
    settings = with_workers(data_settings(tmp_path), workers)
    docs = replicated(real_studies(fixtures_dir), copies) if copies > 1 else real_studies(fixtures_dir)
    write_paged_run(settings, docs, per_page)
    steps.normalise(settings, "ctgov", R1)
    digest = OUTCOMES.config_digest(settings)
    rows = current_rows(settings.parquet_dir / "ctgov", R1, OUTCOMES, digest, "trials")
    assert rows is not None and rows["trial_endpoints"] > len(docs) and rows["trial_effects"] > 0
    page_by_page = derived_bytes(settings)
    assert derived_by_the_derive_step(settings) == page_by_page
    effects = pq.read_table(part(settings, "trial_effects"))
    assert effects.num_rows == rows["trial_effects"]


def test_the_derive_step_keeps_current_partitions_and_redoes_older_ones(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    settings = normalised_real_run(tmp_path, fixtures_dir, 20)
    written = part(settings, "trial_effects").stat().st_mtime_ns
    counts = steps.derive(settings, "ctgov", R1)
    assert part(settings, "trial_effects").stat().st_mtime_ns == written  # kept, not derived again
    assert counts == {t: pq.ParquetFile(part(settings, t)).metadata.num_rows for t in ROOT_TABLES}
    trials = part(settings, "trials")
    later = written + 10**9
    os.utime(trials, ns=(later, later))  # records newer than the outcomes: derived again
    steps.derive(settings, "ctgov", R1)
    assert part(settings, "trial_effects").stat().st_mtime_ns > written


def test_a_trial_on_two_pages_is_left_to_the_derive_step(tmp_path: Path, fixtures_dir: Path) -> None:
    settings = data_settings(tmp_path)
    docs = real_studies(fixtures_dir)
    write_paged_run(settings, [*docs, docs[0]], len(docs))  # the first study again, alone on page 2
    steps.normalise(settings, "ctgov", R1)
    assert not part(settings, "trial_endpoints").exists()
    steps.derive(settings, "ctgov", R1)
    inputs = {name: pq.read_table(part(settings, name)) for name in CTGOV_INPUTS}
    whole = derive_outcomes(settings, inputs)
    for table in ROOT_TABLES:
        assert pq.read_table(part(settings, table)).equals(whole[table]), table


def test_a_page_whose_derivation_fails_leaves_the_error_to_the_derive_step(
    tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = data_settings(tmp_path)  # one process: the patched function is the one the page job calls
    settings = with_workers(settings, 1)
    write_paged_run(settings, real_studies(fixtures_dir), 1000)

    def broken(*_: Any) -> Any:
        raise ValueError("groups do not add up")

    monkeypatch.setattr(outcomes, "trial_outcome_tables", broken)
    steps.normalise(settings, "ctgov", R1)
    assert part(settings, "trials").exists() and not part(settings, "trial_endpoints").exists()
    with pytest.raises(OutcomeError, match=r"^cannot derive outcome tables: groups do not add up$"):
        steps.derive(settings, "ctgov", R1)


def test_no_pages_combine_into_empty_tables_of_the_schemas() -> None:
    tables = combine_pages([])
    assert {name: t.schema for name, t in tables.items()} == PARQUET_TABLES
    assert all(t.num_rows == 0 for t in tables.values())


def test_derived_tables_that_cannot_be_written_are_left_to_the_derive_step(
    tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = data_settings(tmp_path)
    write_paged_run(settings, real_studies(fixtures_dir), 1000)

    def disk_full(*_: Any) -> Any:
        raise NormaliseError("cannot write Parquet table 'trial_endpoints': No space left on device")

    monkeypatch.setattr(derive_pages, "write_derived", disk_full)
    steps.normalise(settings, "ctgov", R1)  # the records are published all the same
    assert part(settings, "trials").exists() and not part(settings, "trial_endpoints").exists()
    monkeypatch.undo()
    assert steps.derive(settings, "ctgov", R1)["trial_endpoints"] > 0
