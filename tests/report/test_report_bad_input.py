"""A missing warehouse, one with no trials, and report folders the writer must not clobber."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.errors import ReportError
from pipeline.report import writer
from pipeline.report.writer import MARKER, write_report
from pipeline.warehouse.build import build_warehouse
from tests.report.conftest import DATA_BLOCK, select
from tests.report.report_warehouse import write_config
from tests.warehouse.ctgov_parquet_builder import make_settings


def test_missing_warehouse_is_one_line_naming_the_path_and_the_fix(tmp_path, capsys):
    settings = make_settings(tmp_path)
    with pytest.raises(ReportError) as caught:
        write_report(settings.warehouse.path, settings.report_dir)
    message = str(caught.value)
    assert str(settings.warehouse.path) in message and "evidence refresh" in message
    assert "\n" not in message
    assert not settings.report_dir.exists()
    code = main(["--config", str(write_config(settings, tmp_path / "config.yaml")), "report"])
    assert code == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: warehouse not found:") and len(err.splitlines()) == 1


def test_a_warehouse_without_trials_still_gives_a_page(tmp_path):
    settings = make_settings(tmp_path)
    build_warehouse(settings)
    summary = write_report(settings.warehouse.path, settings.report_dir)
    page = summary.path.read_text(encoding="utf-8")
    payload = json.loads(DATA_BLOCK.search(page).group(1))
    assert summary.n_trials == 0 and payload["charts"] == {} and payload["tables"] == {}
    assert "no trials in any treatment class" in page
    from lxml.html import fromstring

    tree = fromstring(page)
    sections = select(tree, "section.class-section")
    assert len(sections) == len(settings.treatment_classes)
    assert all(select(s, "[data-metric=no_trials]") for s in sections)


def test_one_trial_class_gets_its_charts(built_report):
    charts = built_report.payload["charts"]
    for name in ("tnf_inhibitor", "meglitinide"):
        assert {f"{name}-phase-status", f"{name}-enrollment", f"{name}-start-years"} <= set(charts)


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path, built_report):
    foreign = tmp_path / "Desktop"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ReportError, match="not empty and holds no earlier report"):
        write_report(built_report.settings.warehouse.path, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Desktop"], "no temporary folder left"


def test_replaces_its_own_report_and_keeps_it_when_writing_fails(tmp_path, built_report, monkeypatch):
    out = tmp_path / "report"
    write_report(built_report.settings.warehouse.path, out)
    (out / "stale.txt").write_text("from an older report")
    write_report(built_report.settings.warehouse.path, out)
    assert not (out / "stale.txt").exists() and (out / MARKER).is_file()
    before = (out / "index.html").read_bytes()

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write_vega_bundle", disk_full)
    with pytest.raises(ReportError, match="No space left on device; the previous report is kept"):
        write_report(built_report.settings.warehouse.path, out)
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"], "no temporary folder left"


def test_reuses_the_previous_reports_vega_bundle(tmp_path, built_report, monkeypatch):
    out = tmp_path / "report"
    write_report(built_report.settings.warehouse.path, out)
    bundle = next((out / "assets").glob("vega-embed-*.js"))
    import vl_convert

    def no_bundling(**_kwargs):
        raise AssertionError("the bundle should have been copied from the previous report")

    monkeypatch.setattr(vl_convert, "javascript_bundle", no_bundling)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # not from the user's cache
    write_report(built_report.settings.warehouse.path, out)
    assert next((out / "assets").glob("vega-embed-*.js")).read_bytes() == bundle.read_bytes()
    assert bundle.stat().st_size > 100_000


def test_cli_report_writes_to_out_and_prints_the_link(tmp_path, built_report, capsys):
    config = write_config(built_report.settings, tmp_path / "config.yaml")
    out = tmp_path / "elsewhere"
    assert main(["--config", str(config), "report", "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert (out / "index.html").is_file()
    assert f"Open {(out / 'index.html').resolve().as_uri()}" in printed
