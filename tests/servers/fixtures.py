"""Pytest fixtures for the recorded-response servers; import them into a conftest to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.ctgov_server import CtgovRecordedServer, load_fixture_studies


@pytest.fixture(scope="session")
def ctgov_fixture_studies(fixtures_dir: Path) -> list[dict[str, Any]]:
    """The real migraine and full-record studies, loaded once per session."""
    return load_fixture_studies(fixtures_dir)


@pytest.fixture
def ctgov_server(ctgov_fixture_studies: list[dict[str, Any]]) -> Iterator[CtgovRecordedServer]:
    """A fresh server per test: faults, tokens and the request log never leak between tests."""
    with CtgovRecordedServer(ctgov_fixture_studies) as server:
        yield server
