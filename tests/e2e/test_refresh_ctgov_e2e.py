"""The whole ClinicalTrials.gov refresh from the CLI against the recorded-response server.

Real recorded studies (the shared fixtures, else the packaged demo records) are paged with an empty
intermediate page and a 429 / 503 / truncated-body storm; the resulting DuckDB file and CSV are then
checked against the registry values in the shared fixtures' manifest, and against values both sets hold.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import load_config
from pipeline.warehouse.export_csv import EXPORT_COLUMNS
from tests.e2e.e2e_support import query, write_config
from tests.servers.ctgov_server import CtgovRecordedServer, Fault

pytestmark = pytest.mark.e2e

REQUIRED_CLASSES = {
    "gene_therapy",
    "stem_cell",
    "ketamine",
    "cgrp",
    "cgrp_antibody",
    "gepant",
    "nvns",
    "tms",
    "neurostimulation_other",
    "botulinum_toxin",
    "triptan",
    "ditan",
    "pacap",
    "behavioural_lifestyle",
    "manual_therapy",
}
MANIFEST_LABELS = {"cgrp_mab": "cgrp_antibody", "lifestyle": "behavioural_lifestyle"}


@pytest.fixture(scope="module")
def studies(ctgov_fixture_studies: list[dict]) -> list[dict]:
    return ctgov_fixture_studies


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, studies):
    """One refresh through faults and paging; several tests read its outputs."""
    tmp = tmp_path_factory.mktemp("e2e_ctgov")
    with CtgovRecordedServer(studies, empty_page_at=2) as server:
        server.inject(Fault("429", retry_after=1), Fault("503"), Fault("truncated"))
        cfg = write_config(tmp, ctgov_url=server.base_url)
        code = main(["--config", str(cfg), "refresh", "--source", "ctgov"])
        requests = list(server.studies_requests())
    assert code == EXIT_OK
    return {"config": cfg, "settings": load_config(cfg), "requests": requests, "server_url": server.base_url}


def test_paging_and_faults_went_through_the_real_http_path(refreshed, studies):
    requests = refreshed["requests"]
    served = [r for r in requests if r.status == 200]
    assert sum(1 for r in requests if r.status == 429) == 1
    assert sum(1 for r in requests if r.status == 503) == 1
    assert any(r.fault == "truncated" for r in requests)
    assert any("pageToken" in r.params for r in served), "later pages must be requested by token"
    assert {r.params["pageSize"] for r in served} == {"10"}
    assert all(r.params["query.cond"] == "migraine" for r in requests)
    assert sum(1 for r in served if r.n_studies == 0) >= 1, "the empty intermediate page was served"


def test_every_study_reaches_the_warehouse(refreshed, studies):
    warehouse = refreshed["settings"].warehouse.path
    assert query(warehouse, "SELECT count(*) FROM trials") == [(len(studies),)]
    status_group = dict(query(warehouse, "SELECT nct_id, status_group FROM trials"))
    assert status_group["NCT04064879"] == "ended_early", "a suspended trial ended early"
    phases = dict(query(warehouse, "SELECT nct_id, phase FROM trials"))
    assert phases["NCT03266588"] == "PHASE2/PHASE3"
    assert phases["NCT00156910"] == "PHASE3"


def test_every_migraine_study_has_its_registry_values(refreshed, fixtures_dir):
    warehouse = refreshed["settings"].warehouse.path
    manifest = json.loads((fixtures_dir / "ctgov" / "migraine" / "manifest.json").read_text())
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse, "SELECT nct_id, overall_status, phases, enrollment, status_group FROM trials"
        )
    }
    for entry in manifest:
        expected = entry["expected"]
        status, phases, enrollment, _group = rows[entry["nct_id"]]
        assert status == expected["overall_status"], entry["nct_id"]
        assert (phases or None) == expected["phases"], entry["nct_id"]
        assert enrollment == expected["enrollment"], entry["nct_id"]


def test_classes_and_evidence(refreshed):
    warehouse = refreshed["settings"].warehouse.path
    classes = query(warehouse, "SELECT DISTINCT treatment_class FROM evidence")
    assert {c for (c,) in classes} >= REQUIRED_CLASSES
    gene = query(warehouse, "SELECT n_trials FROM evidence WHERE treatment_class = 'gene_therapy'")
    assert gene == [(0,)], "no gene-therapy trial is registered: the class must show zero, not vanish"
    stem = query(
        warehouse, "SELECT nct_id, overall_status FROM evidence_trials WHERE treatment_class = 'stem_cell'"
    )
    assert stem == [("NCT04064879", "SUSPENDED")]
    why = query(
        warehouse,
        "SELECT matched_field, matched_term FROM trial_classes "
        "WHERE nct_id = 'NCT04064879' AND treatment_class = 'stem_cell'",
    )
    assert why and all(field and term for field, term in why)
    cgrp = query(
        warehouse,
        "SELECT sum(n_trials) FROM evidence WHERE treatment_class = 'cgrp'",
    )[0][0]
    children = query(
        warehouse,
        "SELECT count(DISTINCT nct_id) FROM evidence_trials "
        "WHERE treatment_class IN ('cgrp_antibody', 'gepant')",
    )[0][0]
    assert cgrp >= children > 0


def test_classes_agree_with_the_reviewers_judgement(refreshed, fixtures_dir):
    warehouse = refreshed["settings"].warehouse.path
    manifest = json.loads((fixtures_dir / "ctgov" / "migraine" / "manifest.json").read_text())
    got = {}
    for nct_id, cls in query(warehouse, "SELECT nct_id, treatment_class FROM trial_classes"):
        got.setdefault(nct_id, set()).add(cls)
    agree = sum(
        1
        for e in manifest
        if {MANIFEST_LABELS.get(c, c) for c in e["expected"]["treatment_classes"]} - {"other"}
        <= got.get(e["nct_id"], set())
    )
    assert agree >= 25, f"only {agree} of {len(manifest)} migraine trials got their reviewed classes"


def test_posted_results_are_summarised(refreshed, studies):
    warehouse = refreshed["settings"].warehouse.path
    posted = query(warehouse, "SELECT count(DISTINCT nct_id) FROM trial_results")[0][0]
    with_results = sum("resultsSection" in s for s in studies)  # 5 shared, 3 packaged
    assert posted == with_results > 0
    summaries = query(
        warehouse,
        "SELECT count(*) FROM evidence_trials WHERE primary_result_summary IS NOT NULL AND NOT has_results",
    )
    assert summaries == [(0,)]


def test_na_measurements_are_kept_as_rows_without_a_number(refreshed, fixtures_dir):
    warehouse = refreshed["settings"].warehouse.path
    rows = query(warehouse, "SELECT count(*), count(value) FROM trial_results WHERE nct_id = 'NCT02552212'")
    assert rows[0][0] > rows[0][1], "'NA' measurement values are kept as rows with a NULL number"


def test_csv_export_matches_the_table(refreshed, tmp_path):
    settings = refreshed["settings"]
    with settings.export.csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == tuple(name for name, _kind in EXPORT_COLUMNS)
    n = query(settings.warehouse.path, "SELECT count(*) FROM evidence_trials")[0][0]
    assert len(rows) - 1 == n
    out = tmp_path / "gepants.csv"
    assert main(["--config", str(refreshed["config"]), "export", "--out", str(out), "--class", "gepant"]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        gepant_rows = list(csv.DictReader(fh))
    assert gepant_rows and {r["treatment_class"] for r in gepant_rows} == {"gepant"}


def test_query_command_is_read_only(refreshed, studies, capsys):
    cfg = str(refreshed["config"])
    assert main(["--config", cfg, "query", "SELECT count(*) AS n FROM trials", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", str(len(studies))]
    assert main(["--config", cfg, "query", "DELETE FROM trials"]) == EXIT_ERROR
    assert "error:" in capsys.readouterr().err


def test_rebuild_reproduces_the_warehouse_offline(refreshed):
    settings = refreshed["settings"]
    snapshot_sql = "SELECT * FROM evidence_trials ORDER BY treatment_class, nct_id"
    before = query(settings.warehouse.path, snapshot_sql)
    csv_before = settings.export.csv_path.read_bytes()
    # the server is gone: any fetch would fail
    assert main(["--config", str(refreshed["config"]), "rebuild"]) == EXIT_OK
    assert query(settings.warehouse.path, snapshot_sql) == before
    assert settings.export.csv_path.read_bytes() == csv_before
    assert query(settings.warehouse.path, "SELECT build_mode, build_reason FROM warehouse_builds") == [
        ("full", "evidence rebuild: every raw run replayed")
    ]


def test_failed_refresh_keeps_previous_warehouse_and_csv(refreshed, capsys):
    settings = refreshed["settings"]
    warehouse_before = settings.warehouse.path.read_bytes()
    csv_before = settings.export.csv_path.read_bytes()
    # the recorded-response server has stopped: every request is refused
    assert main(["--config", str(refreshed["config"]), "refresh", "--source", "ctgov"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert settings.warehouse.path.read_bytes() == warehouse_before
    assert settings.export.csv_path.read_bytes() == csv_before


def test_total_count_mismatch_fails_loudly(tmp_path, studies, capsys):
    """The server drops one study between pages: the run must fail, not build a short warehouse."""

    class ShrinkingServer(CtgovRecordedServer):
        def _matching(self, args):
            found = super()._matching(args)
            return found[:-1] if "pageToken" in args else found

    with ShrinkingServer(studies) as server:
        cfg = write_config(tmp_path, ctgov_url=server.base_url)
        assert main(["--config", str(cfg), "refresh", "--source", "ctgov"]) == EXIT_ERROR
    assert "totalCount" in capsys.readouterr().err
    assert not (tmp_path / "warehouse" / "evidence.duckdb").exists()


def test_console_script_end_to_end(tmp_path, studies):
    """The installed `evidence` command, in its own process, as a user runs it."""
    with CtgovRecordedServer(studies) as server:
        cfg = write_config(tmp_path, ctgov_url=server.base_url, page_size=1000)
        evidence = str(Path(sys.executable).with_name("evidence"))
        proc = subprocess.run(
            [evidence, "--config", str(cfg), "refresh", "--source", "ctgov"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"ClinicalTrials.gov records fetched: {len(studies)}" in proc.stdout
    assert "Warehouse:" in proc.stdout and "CSV:" in proc.stdout


def test_partial_dates_keep_the_registry_string(refreshed):
    """A month-only registry date keeps its string and gains its first day plus a 'month' precision."""
    rows = query(
        refreshed["settings"].warehouse.path,
        "SELECT start_date_raw, start_date, start_date_precision FROM trials "
        "WHERE start_date_precision = 'month' LIMIT 1",
    )
    assert rows, "the recorded studies include month-only start dates"
    raw, parsed, _ = rows[0]
    assert len(raw) == 7 and parsed.isoformat() == f"{raw}-01"
