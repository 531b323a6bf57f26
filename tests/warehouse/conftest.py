"""Fixtures for warehouse tests: settings under tmp_path and a warehouse built from two Parquet runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from ctgov_parquet_builder import make_settings, write_two_runs

from pipeline.config import Settings
from pipeline.warehouse.build import build_warehouse


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def built(settings: Settings) -> Settings:
    """Settings whose warehouse was built from two runs (the second updates the gepant trial)."""
    write_two_runs(settings.parquet_dir)
    build_warehouse(settings)
    return settings
