"""CSV export of evidence_trials: column order, ISO dates, formula neutralisation, filters, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from pipeline.config import Settings
from pipeline.errors import ExportError
from pipeline.warehouse.export_csv import EXPORT_COLUMNS, export_evidence_trials, format_cell


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_all_classes(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out" / "evidence.csv"
    summary = export_evidence_trials(built.warehouse.path, out)
    assert summary.n_rows == 6
    assert summary.treatment_class is None
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(name for name, _ in EXPORT_COLUMNS)
    rows = read_csv(out)
    assert [(r["treatment_class"], r["nct_id"]) for r in rows] == [
        ("cgrp", "NCT01613248"),
        ("cgrp", "NCT02066415"),
        ("cgrp_mab", "NCT02066415"),
        ("gepant", "NCT01613248"),
        ("meglitinide", "NCT00763412"),
        ("tnf_inhibitor", "NCT02552212"),
    ]
    erenumab = rows[1]
    assert erenumab["start_date"] == "2014-03-05"
    assert erenumab["completion_date"] == "2016-04-28"
    assert erenumab["enrollment"] == "667"
    assert erenumab["has_results"] == "true"
    assert erenumab["primary_result_summary"] == ""
    assert rows[4]["primary_outcome_measures"] == "BMI; Body Composition"
    assert rows[4]["primary_result_summary"].startswith("BMI (Mean, Kg/m^2): 1 Placebo 19.63")
    assert list(out.parent.iterdir()) == [out]


def test_export_one_class(built: Settings, tmp_path: Path) -> None:
    summary = export_evidence_trials(built.warehouse.path, tmp_path / "cgrp.csv", "cgrp_mab")
    assert summary.n_rows == 1
    assert [r["nct_id"] for r in read_csv(tmp_path / "cgrp.csv")] == ["NCT02066415"]


def test_class_with_no_trials_exports_a_header_only(built: Settings, tmp_path: Path) -> None:
    summary = export_evidence_trials(built.warehouse.path, tmp_path / "t.csv", "triptan")
    assert summary.n_rows == 0
    assert read_csv(tmp_path / "t.csv") == []


def test_unknown_class_lists_the_valid_ones_and_keeps_old_csv(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    out.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(
        ExportError, match=r"unknown treatment class 'ditan'; valid classes: cgrp, cgrp_mab, gepant"
    ):
        export_evidence_trials(built.warehouse.path, out, "ditan")
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert list(tmp_path.glob(".e.csv*")) == []


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"warehouse not found: .*nope\.duckdb \(build it first\)"):
        export_evidence_trials(tmp_path / "nope.duckdb", tmp_path / "e.csv")


def test_text_cells_are_neutralised_numbers_are_not() -> None:
    assert format_cell('=HYPERLINK("http://x")', "text") == '\'=HYPERLINK("http://x")'
    assert format_cell("+1", "text") == "'+1"
    assert format_cell("@SUM(A1)", "text") == "'@SUM(A1)"
    assert format_cell("-1.5 days", "text") == "'-1.5 days"
    assert format_cell("\tcmd", "text") == "'\tcmd"
    assert format_cell(["-1.5", "b"], "list") == "'-1.5; b"
    assert format_cell("Change from baseline -1.5", "text") == "Change from baseline -1.5"
    assert format_cell(-15, "int") == "-15"
    assert format_cell(None, "text") == ""


def test_formula_in_a_title_is_neutralised_in_the_file(built: Settings, tmp_path: Path) -> None:
    """Registry text is untrusted: a title crafted as a formula must not run in a spreadsheet."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(built.warehouse.path.read_bytes())
    con = duckdb.connect(str(copy))
    con.execute("UPDATE evidence_trials SET title = '=cmd|'' /C calc''!A0' WHERE nct_id = 'NCT02552212'")
    con.close()
    export_evidence_trials(copy, tmp_path / "e.csv", "tnf_inhibitor")
    [row] = read_csv(tmp_path / "e.csv")
    assert row["title"] == "'=cmd|' /C calc'!A0"
    assert row["enrollment"] == "317"
