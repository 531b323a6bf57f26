"""Shared test fixtures: where the real recorded API responses live, and a quiet, offline Prefect.

``fixtures_dir`` skips a test when the shared real-data fixtures are absent; ``recorded_corpus`` (in
``tests/servers/fixtures.py``) falls back to the records packaged for the demo instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# REPO_ROOT and shared_fixtures_dir are imported by test modules and benches from here.
from tests.servers.corpus import FIXTURES_ENV_VAR, REPO_ROOT, shared_fixtures_dir

__all__ = ["REPO_ROOT", "fixtures_dir", "shared_fixtures_dir"]

pytest_plugins = ["tests.servers.fixtures"]

# No network here: Prefect's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    path = shared_fixtures_dir()
    if not path.is_dir():
        pytest.skip(
            f"real recorded API responses not found at {path} "
            f"(set {FIXTURES_ENV_VAR} to the shared fixtures folder)"
        )
    return path
