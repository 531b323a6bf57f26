"""Shared test fixtures: where the real recorded API responses live, and a quiet, offline Prefect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.servers.fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_ENV_VAR = "EVIDENCE_FIXTURES"

# No network here: Prefect's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def shared_fixtures_dir() -> Path:
    """The real recorded API responses: $EVIDENCE_FIXTURES, else ../shared/fixtures from the repo root."""
    env = os.environ.get(FIXTURES_ENV_VAR)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    path = shared_fixtures_dir()
    if not path.is_dir():
        pytest.skip(
            f"real recorded API responses not found at {path} "
            f"(set {FIXTURES_ENV_VAR} to the shared fixtures folder)"
        )
    return path
