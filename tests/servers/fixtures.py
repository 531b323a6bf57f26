"""Pytest fixtures for the recorded-response servers; import them into a conftest to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings, StorageSettings, TreatmentClass
from pipeline.raw.zone import RawZone
from tests.servers.ctgov_server import CtgovRecordedServer, load_fixture_studies
from tests.servers.pubmed_server import FixtureArticle, PubmedRecordedServer, load_fixture_articles


@pytest.fixture(scope="session")
def ctgov_fixture_studies(fixtures_dir: Path) -> list[dict[str, Any]]:
    """The real migraine and full-record studies, loaded once per session."""
    return load_fixture_studies(fixtures_dir)


@pytest.fixture
def ctgov_server(ctgov_fixture_studies: list[dict[str, Any]]) -> Iterator[CtgovRecordedServer]:
    """A fresh server per test: faults, tokens and the request log never leak between tests."""
    with CtgovRecordedServer(ctgov_fixture_studies) as server:
        yield server


@pytest.fixture(scope="session")
def pubmed_fixture_articles(fixtures_dir: Path) -> list[FixtureArticle]:
    """The real recorded EFetch articles and migraine articles, loaded once per session."""
    return load_fixture_articles(fixtures_dir)


@pytest.fixture(scope="session")
def pubmed_running_server(
    fixtures_dir: Path, pubmed_fixture_articles: list[FixtureArticle]
) -> Iterator[PubmedRecordedServer]:
    """Stopping a server costs 0.5 s, so one serves the session; ``pubmed_server`` resets it per test."""
    with PubmedRecordedServer(fixtures_dir, articles=pubmed_fixture_articles) as server:
        yield server


@pytest.fixture
def pubmed_server(pubmed_running_server: PubmedRecordedServer) -> PubmedRecordedServer:
    """The shared server, back to how it was built: faults, histories and the request log cleared."""
    pubmed_running_server.reset()
    return pubmed_running_server


@pytest.fixture
def folder_settings(tmp_path: Path) -> Settings:
    """Settings where only the folders matter (under tmp_path/data): raw zone, Parquet, run log."""
    return Settings(
        storage=StorageSettings(data_dir=tmp_path / "data"),
        treatment_classes={"gepant": TreatmentClass(label="Gepants", terms=["gepant"])},
    )


@pytest.fixture
def raw_zone(folder_settings: Settings) -> RawZone:
    """The raw zone of ``folder_settings``, where recovery looks for cut-off runs."""
    return RawZone(folder_settings.raw_dir)
