"""The report's forest plots are the nightly plots step's SVGs when those were drawn from this warehouse,
and drawn afresh otherwise: older than the warehouse, listing other pools, pointing outside their folder,
or absent. A warehouse without pools gets no plot."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import pipeline.outcomes.plots as outcome_plots
from pipeline.report.writer import write_report

EPISODIC_MMD = "cgrp_antibody__mmd_change__episodic.svg"


@pytest.fixture
def copied(effects_report, tmp_path: Path) -> tuple[Path, Path]:
    """The effects warehouse and its nightly plots, copied with their times (plots newer)."""
    warehouse = tmp_path / "evidence.duckdb"
    shutil.copy2(effects_report.settings.warehouse.path, warehouse)
    plots = tmp_path / "plots"
    shutil.copytree(effects_report.settings.storage.data_dir / "plots", plots)
    return warehouse, plots


@pytest.fixture
def draws(monkeypatch) -> list[Path]:
    """Records every time the report draws the plots itself."""
    calls: list[Path] = []
    original = outcome_plots.forest_plots

    def spy(warehouse_path: Path, min_trials: int = 2):
        calls.append(warehouse_path)
        return original(warehouse_path, min_trials)

    monkeypatch.setattr(outcome_plots, "forest_plots", spy)
    return calls


def _written(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (out / "plots").iterdir()}


def test_the_nightly_plots_are_reused_without_drawing(copied, draws, tmp_path) -> None:
    warehouse, plots = copied
    summary = write_report(warehouse, tmp_path / "report", plots)
    assert draws == []
    written = _written(tmp_path / "report")
    assert summary.n_plots == len(written) >= 2
    assert written == {name: (plots / name).read_bytes() for name in written}


def test_plots_older_than_the_warehouse_are_drawn_again(copied, draws, tmp_path) -> None:
    warehouse, plots = copied
    (plots / EPISODIC_MMD).write_bytes(b"<svg/>")  # what a stale plot would show
    index = plots / "index.json"
    newer = index.stat().st_mtime_ns + 5_000_000_000
    os.utime(warehouse, ns=(newer, newer))
    write_report(warehouse, tmp_path / "report", plots)
    assert draws == [warehouse]
    assert b"pooled-diamond" in _written(tmp_path / "report")[EPISODIC_MMD]


@pytest.mark.parametrize("edit", ["other counts", "outside the folder", "not json"])
def test_an_index_that_does_not_match_the_warehouse_is_not_trusted(copied, draws, tmp_path, edit) -> None:
    warehouse, plots = copied
    index = plots / "index.json"
    entries = json.loads(index.read_text(encoding="utf-8"))
    if edit == "other counts":
        entries[0]["n_trials"] += 1
    elif edit == "outside the folder":
        (tmp_path / "elsewhere.svg").write_bytes(b"<svg/>")
        entries[0]["file"] = "../elsewhere.svg"
    text = "{" if edit == "not json" else json.dumps(entries)
    index.write_text(text, encoding="utf-8")
    summary = write_report(warehouse, tmp_path / "report", plots)
    assert draws == [warehouse]
    assert summary.n_plots == len(entries)
    assert all(b"pooled-diamond" in svg for svg in _written(tmp_path / "report").values())


def test_without_a_plots_folder_the_report_draws_the_same_plots(copied, draws, tmp_path) -> None:
    warehouse, plots = copied
    write_report(warehouse, tmp_path / "report", None)
    write_report(warehouse, tmp_path / "report2", tmp_path / "absent")
    assert draws == [warehouse, warehouse]
    drawn = _written(tmp_path / "report")
    assert drawn == _written(tmp_path / "report2") == {n: (plots / n).read_bytes() for n in drawn}


def test_a_warehouse_without_pools_has_no_plot(built_report, draws) -> None:
    assert built_report.summary.n_plots == 0 and draws == []
    assert list((built_report.summary.path.parent / "plots").iterdir()) == []
    assert 'class="forest"' not in built_report.html
