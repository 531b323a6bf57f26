"""refresh and rebuild run their flow on the server of a running ``evidence serve`` (same data folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.local_server import API_URL_ENV_VAR, SERVER_URL_FILE, announced, free_port, serve_api_if_running


@pytest.fixture(autouse=True)
def no_configured_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_URL_ENV_VAR, raising=False)


def test_serve_names_its_server_while_it_runs(tmp_path: Path) -> None:
    url_file = tmp_path / SERVER_URL_FILE
    with announced("http://127.0.0.1:4321/api", url_file):
        assert url_file.read_text() == "http://127.0.0.1:4321/api"
    assert not url_file.exists()


def test_a_command_uses_the_answering_serve_server_for_the_block(tmp_path: Path, httpserver) -> None:
    httpserver.expect_request("/api/health").respond_with_json(True)
    api_url = httpserver.url_for("/api")
    with (
        announced(api_url, tmp_path / SERVER_URL_FILE),
        serve_api_if_running(tmp_path / SERVER_URL_FILE) as used,
    ):
        assert used == api_url
        assert os.environ[API_URL_ENV_VAR] == api_url
    assert API_URL_ENV_VAR not in os.environ


def test_a_dead_server_or_none_leaves_prefect_to_start_its_own(tmp_path: Path) -> None:
    url_file = tmp_path / SERVER_URL_FILE
    with serve_api_if_running(url_file) as used:  # no serve ever ran here
        assert used is None
    url_file.parent.mkdir(parents=True)
    url_file.write_text(f"http://127.0.0.1:{free_port()}/api")  # left by a serve that was killed
    with serve_api_if_running(url_file) as used:
        assert used is None
        assert API_URL_ENV_VAR not in os.environ


def test_a_configured_api_url_wins(tmp_path: Path, httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/api/health").respond_with_json(True)
    monkeypatch.setenv(API_URL_ENV_VAR, "http://127.0.0.1:9/api")
    url_file = tmp_path / SERVER_URL_FILE
    with announced(httpserver.url_for("/api"), url_file), serve_api_if_running(url_file) as used:
        assert used is None
        assert os.environ[API_URL_ENV_VAR] == "http://127.0.0.1:9/api"
