"""``evidence serve``: its arguments, and one-line errors when the Prefect API cannot be used."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from flows.local_server import PrefectServerError, answers, check_api, free_port, local_server
from flows.serve import DEFAULT_STARTUP_TIMEOUT_SECONDS, add_serve_parser
from pipeline.cli import EXIT_ERROR, main

MINIMAL_CONFIG = """
treatment_classes:
  ketamine: {label: Ketamine, terms: [ketamine]}
"""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evidence")
    add_serve_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_serve_defaults():
    args = parse(["serve"])
    assert args.command == "serve"
    assert args.startup_timeout == DEFAULT_STARTUP_TIMEOUT_SECONDS


def test_serve_startup_timeout():
    assert parse(["serve", "--startup-timeout", "7.5"]).startup_timeout == 7.5


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_serve_rejects_bad_startup_timeout(value, capsys):
    with pytest.raises(SystemExit) as exc:
        parse(["serve", "--startup-timeout", value])
    assert exc.value.code == 2
    assert "--startup-timeout" in capsys.readouterr().err


def test_unreachable_prefect_api_url_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    config_path = tmp_path / "config.yaml"
    config_path.write_text(MINIMAL_CONFIG, encoding="utf-8")
    api_url = f"http://127.0.0.1:{free_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", api_url)

    assert main(["--config", str(config_path), "serve"]) == EXIT_ERROR

    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert "PREFECT_API_URL" in error_lines[0]
    assert api_url in error_lines[0]
    assert "Traceback" not in err


def test_out_of_range_cron_is_one_line_before_any_server_starts(tmp_path, monkeypatch, capsys):
    config_path = tmp_path / "config.yaml"
    config_path.write_text(MINIMAL_CONFIG + 'schedule: {cron: "0 25 * * *"}\n', encoding="utf-8")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    assert main(["--config", str(config_path), "serve"]) == EXIT_ERROR

    err = capsys.readouterr().err
    assert "schedule.cron: not a valid 5-field cron expression (Bad hour)" in err
    assert "Starting a local Prefect server" not in err
    assert "Traceback" not in err


def test_health_check_against_an_answering_and_a_failing_server(httpserver):
    httpserver.expect_request("/api/health").respond_with_json(True)
    check_api(httpserver.url_for("/api"))
    httpserver.clear()
    httpserver.expect_request("/api/health").respond_with_data("down", status=503)
    assert answers(httpserver.url_for("/api")) == "HTTP 503"
    with pytest.raises(PrefectServerError, match="HTTP 503"):
        check_api(httpserver.url_for("/api"))


def test_local_server_start_timeout_is_a_clear_error(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    log = tmp_path / "logs" / "prefect-server.log"
    expected = r"did not answer on http://127\.0\.0\.1:\d+/api/health within"
    with pytest.raises(PrefectServerError, match=expected), local_server(startup_timeout=0.01, log=log):
        pytest.fail("the server cannot be ready in 10 ms")
    assert log.exists()
