"""The Vega bundle of a report written to a new folder comes from the per-user cache, built only once;
a cache that cannot be used only means building it (see pipeline/report/vega_bundle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import vl_convert

from pipeline.report.vega_bundle import CACHE_FOLDER, cache_dir
from pipeline.report.writer import write_report

FAKE_BUNDLE = "/* Vega, Vega-Lite and Vega-Embed for Vega-Lite {vl_version} */"


@pytest.fixture
def bundlings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """vl-convert's bundling replaced by a quick stand-in that records each call."""
    calls: list[str] = []

    def bundle(vl_version: str) -> str:
        calls.append(vl_version)
        return FAKE_BUNDLE.format(vl_version=vl_version)

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    return calls


def _bundle(report: Path) -> Path:
    (path,) = (report / "assets").glob("vega-embed-*.js")
    return path


def test_new_report_folders_take_the_bundle_from_the_cache(tmp_path, built_report, bundlings, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    warehouse = built_report.settings.warehouse.path
    write_report(warehouse, tmp_path / "first")
    cached = tmp_path / "cache" / CACHE_FOLDER / _bundle(tmp_path / "first").name
    assert cached.read_bytes() == _bundle(tmp_path / "first").read_bytes()
    assert len(bundlings) == 1
    write_report(warehouse, tmp_path / "second")
    assert _bundle(tmp_path / "second").read_bytes() == cached.read_bytes()
    assert len(bundlings) == 1, "built once, then taken from the cache"
    cached.write_bytes(b"")  # an empty file (a disk that filled up) is no bundle: built again
    write_report(warehouse, tmp_path / "third")
    assert len(bundlings) == 2 and _bundle(tmp_path / "third").stat().st_size > 0
    assert cached.read_bytes() == _bundle(tmp_path / "third").read_bytes()
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name], "no temporary file left"


def test_an_unusable_cache_only_means_building_the_bundle(tmp_path, built_report, bundlings, monkeypatch):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    for name in ("first", "second"):
        summary = write_report(built_report.settings.warehouse.path, tmp_path / name)
        assert summary.path.is_file() and _bundle(tmp_path / name).stat().st_size > 0
    assert len(bundlings) == 2
    assert not_a_folder.read_text() == "a file where the cache folder would go"


def test_the_cache_folder_follows_the_xdg_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / CACHE_FOLDER
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignored when relative
    assert cache_dir() == tmp_path / "home" / ".cache" / CACHE_FOLDER
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / "home" / ".cache" / CACHE_FOLDER
