"""The demo's world: its folder, its config, and the API stand-ins the real clients page through."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from pipeline.config import load_config
from pipeline.demo import site
from pipeline.demo.site import MARKER, base_settings, demo_site
from pipeline.errors import ConfigError
from pipeline.raw.zone import RawZone
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.fetch import fetch_run
from pipeline.sources.pubmed.client import PubmedClient
from tests.conftest import REPO_ROOT


@pytest.fixture
def base():
    return load_config(REPO_ROOT / "config.yaml")


def test_the_real_clients_page_through_the_served_records(tmp_path: Path, base) -> None:
    with demo_site(tmp_path / "demo", base) as demo:
        settings = demo.settings
        client = CtgovClient(settings.sources.ctgov, user_agent=settings.user_agent)
        run = RawZone(settings.raw_dir).start_run("ctgov", "20260102T030405Z-demo")
        manifest = fetch_run(client, run)
        client.close()
        pubmed = PubmedClient(settings.sources.pubmed, user_agent=settings.user_agent)
        search = pubmed.esearch("migraine")
        pubmed.close()
        ctgov_url = str(settings.sources.ctgov.base_url)
    assert manifest["n_records"] == manifest["total_count"] == demo.n_trials
    assert manifest["n_pages"] == -(-demo.n_trials // site.PAGE_SIZE)  # paged, as a real pull is
    assert search.parsed.count == demo.n_articles
    with pytest.raises(requests.ConnectionError):  # the stand-ins stop with the block
        requests.get(f"{ctgov_url}/version", timeout=2)


def test_the_config_keeps_the_classes_and_points_only_sources_and_folders_elsewhere(tmp_path, base) -> None:
    with demo_site(tmp_path / "demo", base) as demo:
        settings = demo.settings
    text = demo.config_path.read_text(encoding="utf-8")
    assert text.startswith(MARKER)
    assert settings.treatment_classes == base.treatment_classes
    assert settings.classifier == base.classifier
    assert settings.storage.data_dir == demo.folder / "data"
    assert settings.warehouse.path.is_relative_to(demo.folder)
    assert settings.export.csv_path.is_relative_to(demo.folder)
    assert settings.report_dir == demo.folder / "data" / "report", "never the base config's report"
    assert base.report.results_from == "registry"
    assert settings.report.results_from == "publications", "the served results are transcribed"
    assert str(settings.sources.ctgov.base_url).startswith("http://127.0.0.1:")
    assert str(settings.sources.pubmed.base_url).startswith("http://127.0.0.1:")


def test_a_folder_with_other_things_in_it_is_refused(tmp_path: Path, base) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty and not an earlier demo"), demo_site(tmp_path, base):
        pass
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_an_earlier_demo_folder_is_reused(tmp_path: Path, base) -> None:
    with demo_site(tmp_path / "demo", base):
        pass
    with demo_site(tmp_path / "demo", base) as again:
        assert again.config_path.exists()


def test_without_a_config_here_the_one_shipped_in_the_package_is_used(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVIDENCE_CONFIG", raising=False)
    assert base_settings(None).treatment_classes == load_config(REPO_ROOT / "config.yaml").treatment_classes
    with pytest.raises(ConfigError, match="config file not found"):
        base_settings("absent.yaml")  # a config named explicitly is never replaced by the default
