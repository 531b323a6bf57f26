"""Pytest fixtures for the recorded-response servers; import them into a conftest to use them.

They serve the shared real-data fixtures when present, else the records packaged for the demo
(``tests/servers/corpus.py``): a bare clone still runs every test built on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings, StorageSettings, TreatmentClass
from pipeline.raw.zone import RawZone
from tests.servers.corpus import RecordedCorpus, active_corpus
from tests.servers.ctgov_server import CtgovRecordedServer
from tests.servers.pubmed_server import FixtureArticle, PubmedRecordedServer


@pytest.fixture(scope="session")
def corpus() -> RecordedCorpus:
    """The shared real-data fixtures when present, else the packaged demo records."""
    return active_corpus()


@pytest.fixture(scope="session")
def ctgov_fixture_studies(corpus: RecordedCorpus) -> list[dict[str, Any]]:
    """The corpus's real studies, loaded once per session."""
    return corpus.studies()


@pytest.fixture
def ctgov_server(ctgov_fixture_studies: list[dict[str, Any]]) -> Iterator[CtgovRecordedServer]:
    """A fresh server per test: faults, tokens and the request log never leak between tests."""
    with CtgovRecordedServer(ctgov_fixture_studies) as server:
        yield server


@pytest.fixture(scope="session")
def pubmed_fixture_articles(corpus: RecordedCorpus) -> list[FixtureArticle]:
    """The corpus's real recorded articles, loaded once per session."""
    return corpus.articles()


@pytest.fixture(scope="session")
def pubmed_running_server(
    corpus: RecordedCorpus, pubmed_fixture_articles: list[FixtureArticle]
) -> Iterator[PubmedRecordedServer]:
    """Stopping a server costs 0.5 s, so one serves the session; ``pubmed_server`` resets it per test."""
    with PubmedRecordedServer(corpus, articles=pubmed_fixture_articles) as server:
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
