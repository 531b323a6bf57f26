"""Several simulated nights of the refresh against the recorded-response servers.

Night 1 pulls in full from real recorded studies (one held back). Night 2 is incremental: the held-back
study appears and two CGRP trials change status; both are served as deep copies of the real records,
edited here (status, and a later lastUpdatePostDate, as the registry would post them). Night 2 runs
twice (idempotence). Night 3 is a forced full pull in which one study has disappeared, with an analyst
reading the warehouse throughout. Night 4 fails on a fault storm that exhausts every retry, then
re-runs clean. Night 5 is killed (os._exit in a subprocess) once right before a raw manifest would be
written and once after normalising, then re-runs. After each good night the warehouse must equal a
full refresh of the same server data, built from scratch in another folder.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import load_config
from pipeline.runs.lock import refresh_lock
from pipeline.runs.log import INTERRUPTED, RunLog
from tests.conftest import REPO_ROOT
from tests.e2e.e2e_support import query, write_config
from tests.servers.ctgov_server import CtgovRecordedServer, Fault
from tests.servers.pubmed_server import PubmedRecordedServer

pytestmark = pytest.mark.e2e

HELD_BACK = "NCT07336420"  # served from night 2 on: "added"
CHANGED = ("NCT02828020", "NCT04408794")  # CGRP trials whose status changes on night 2
DISAPPEARS = "NCT00382993"  # gone from the registry's answer on night 3
POSTED = "2026-11-20"  # the later lastUpdatePostDate of the edited copies
INCREMENTAL_TERM = re.compile(
    r'\("(\d{4}/\d{2}/\d{2})"\[EDAT\] : "3000"\[EDAT\] OR "\1"\[MDAT\] : "3000"\[MDAT\]\)$'
)
# Current-state tables compared with a full refresh; provenance columns differ by construction.
SNAPSHOTS = {
    "trials": "SELECT * EXCLUDE (run_id, fetched_at, data_timestamp) FROM trials ORDER BY nct_id",
    "trial_interventions": "SELECT * FROM trial_interventions ORDER BY nct_id, intervention_idx",
    "trial_classes": "SELECT * FROM trial_classes ORDER BY ALL",
    "evidence_trials": "SELECT * FROM evidence_trials ORDER BY treatment_class, nct_id",
    "evidence": "SELECT * FROM evidence ORDER BY ALL",
    "publications": "SELECT * EXCLUDE (run_id, fetched_at, data_timestamp) FROM publications ORDER BY pmid",
    "trial_publications": "SELECT * FROM trial_publications ORDER BY ALL",
}
# What the PubMed drift slice re-reads next: drift_slice_min (5) of the oldest-read PMIDs (49 / 30 < 5,
# and 20 / 30 < 5 on the packaged set).
PUBMED_OLDEST_READ = "SELECT pmid FROM publications ORDER BY fetched_at, pmid LIMIT 5"


# An analyst in another process: holds one connection open from before the build, and meanwhile opens
# fresh read-only connections in a loop; prints every count read, the held connection's count last.
ANALYST = """
import sys, pathlib, duckdb
warehouse, stop = sys.argv[1], pathlib.Path(sys.argv[2])
held = duckdb.connect(warehouse, read_only=True)
print(held.execute("SELECT count(*) FROM trials").fetchone()[0], flush=True)
while not stop.exists():
    try:
        with duckdb.connect(warehouse, read_only=True) as con:
            print(con.execute("SELECT count(*) FROM trials").fetchone()[0], flush=True)
    except duckdb.Error as exc:
        print("ERROR", type(exc).__name__, file=sys.stderr, flush=True)
print(held.execute("SELECT count(*) FROM trials").fetchone()[0], flush=True)
"""


class IncrementalPubmedServer(PubmedRecordedServer):
    """Also answers the pipeline's incremental term: entry date, or a modification date set by the test."""

    modified: dict[str, date]

    def _search(self, term: str, window: Any) -> list[str]:
        match = INCREMENTAL_TERM.search(term)
        found = super()._search(term, window)
        if match is None:
            return found
        since = date(*map(int, match.group(1).split("/")))
        by_pmid = {a.pmid: a for a in self.articles}
        return [p for p in found if max(by_pmid[p].entrez_date, self.modified.get(p, date.min)) >= since]


def edited(studies: list[dict], status: dict[str, str], gone: tuple[str, ...] = ()) -> list[dict]:
    """Deep copies of the real records: the given trials get a new status and a later update date."""
    out = []
    for study in copy.deepcopy(studies):
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
        if nct_id in gone:
            continue
        module = study["protocolSection"].get("statusModule", {})
        if nct_id in status:
            module["overallStatus"] = status[nct_id]
        if nct_id in status or nct_id == HELD_BACK:
            module["lastUpdatePostDateStruct"] = {"date": POSTED, "type": "ACTUAL"}
        out.append(study)
    return out


def nightly_config(tmp: Path, ctgov_url: str, pubmed_url: str) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp, ctgov_url=ctgov_url, pubmed_url=pubmed_url)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["incremental"] = {"drift_slice_min": 5, "reread_within_days": 30}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    return {name: query(warehouse, sql) for name, sql in SNAPSHOTS.items()}


def build_mode(warehouse: Path) -> str:
    """How the warehouse was last built: full, or incremental (updated in place from the new runs)."""
    return query(warehouse, "SELECT build_mode FROM warehouse_builds")[0][0]


class Nights:
    """One data folder driven night after night, plus a from-scratch full refresh to compare with."""

    def __init__(self, root: Path, ctgov: CtgovRecordedServer, pubmed: IncrementalPubmedServer) -> None:
        self.root, self.ctgov, self.pubmed = root, ctgov, pubmed
        self.config = nightly_config(root / "nightly", ctgov.base_url, pubmed.base_url)
        self.settings = load_config(self.config)
        self.n_reference = 0

    def run(self, *extra: str) -> int:
        return main(["--config", str(self.config), "refresh", *extra])

    def reference(self) -> dict[str, list[tuple]]:
        """A full refresh of the servers' current data into a fresh folder."""
        self.n_reference += 1
        cfg = nightly_config(
            self.root / f"reference-{self.n_reference}", self.ctgov.base_url, self.pubmed.base_url
        )
        assert main(["--config", str(cfg), "refresh", "--full"]) == EXIT_OK
        return snapshot(load_config(cfg).warehouse.path)

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse.path

    def last_run(self) -> Any:
        return RunLog(self.settings.storage.data_dir).records()[-1]


def kill_mid_run(config: Path, crash_at: str) -> subprocess.CompletedProcess:
    """Run the refresh steps in a child process that dies with os._exit (no cleanup) at ``crash_at``."""
    script = f"""
import os, sys
from pipeline import steps
from pipeline.config import load_config
from pipeline.raw import zone as raw_zone
from pipeline.raw.zone import new_run_id
from pipeline.runs.lock import refresh_lock
settings = load_config({str(config)!r})
run_id = new_run_id()
if {crash_at!r} == "before-manifest":
    raw_zone.RawRun.finish = lambda self, summary: os._exit(9)
with refresh_lock(settings.storage.data_dir, "crash test"):
    plans = steps.plan_run(settings, run_id, "ctgov", False)
    steps.recover(settings, run_id, "ctgov")
    steps.fetch(settings, "ctgov", run_id, plan=plans["ctgov"])
    steps.normalise(settings, "ctgov", run_id)
    print(run_id, flush=True)
    os._exit(9)
"""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def nights(tmp_path_factory, corpus, ctgov_fixture_studies) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("nightly")
    real = ctgov_fixture_studies
    night1 = [s for s in real if s["protocolSection"]["identificationModule"]["nctId"] != HELD_BACK]
    night2 = edited(real, {CHANGED[0]: "COMPLETED", CHANGED[1]: "TERMINATED"})
    night3 = edited(real, {CHANGED[0]: "COMPLETED", CHANGED[1]: "TERMINATED"}, gone=(DISAPPEARS,))
    seen: dict[str, Any] = {}
    with CtgovRecordedServer(night1) as ctgov, IncrementalPubmedServer(corpus) as pubmed:
        pubmed.modified = {}
        n = Nights(root, ctgov, pubmed)
        seen["config"], seen["settings"] = n.config, n.settings

        # Night 1: first run, so a full pull.
        assert n.run() == EXIT_OK
        seen["night1"] = {
            "run": n.last_run(),
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "reference": n.reference(),
        }

        # Night 2: one study added, two change status; PubMed revised one record today.
        ctgov.studies = night2
        pubmed.modified = {pubmed.articles[0].pmid: date.today()}
        before = len(ctgov.requests), len(pubmed.requests)
        oldest_read = [r[0] for r in query(n.warehouse, PUBMED_OLDEST_READ)]
        assert n.run() == EXIT_OK
        seen["night2"] = {
            "run": n.last_run(),
            "pubmed_oldest_read": oldest_read,
            "pubmed_modified": pubmed.articles[0].pmid,
            "runs_drift": query(
                n.warehouse,
                "SELECT source, n_drift_ids, n_drift_records FROM runs WHERE run_id = ? ORDER BY source",
                n.last_run().run_id,
            ),
            "ctgov_requests": ctgov.requests[before[0] :],
            "pubmed_requests": pubmed.requests[before[1] :],
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "history": query(n.warehouse, "SELECT * FROM trial_status_history ORDER BY ALL"),
            "changes": query(
                n.warehouse, "SELECT change, nct_id, changed_fields FROM trial_changes ORDER BY ALL"
            ),
            "cgrp_status_changes": query(
                n.warehouse,
                "SELECT DISTINCT nct_id FROM changes WHERE treatment_class = 'cgrp' AND change = 'changed' "
                "AND list_contains(changed_fields, 'overall_status') ORDER BY 1",
            ),
            "cgrp_history_30_days": query(
                n.warehouse,
                "SELECT DISTINCT h.nct_id FROM trial_status_history AS h "
                "JOIN evidence_trials AS e USING (nct_id) "
                "WHERE e.treatment_class = 'cgrp' AND h.overall_status <> h.previous_overall_status "
                "AND h.valid_from >= now() - INTERVAL 30 DAY ORDER BY 1",
            ),
            "reference": n.reference(),
        }

        # Night 2 again: the same data, re-run.
        before = len(pubmed.requests)
        oldest_read = [r[0] for r in query(n.warehouse, PUBMED_OLDEST_READ)]
        assert n.run() == EXIT_OK
        seen["night2_again"] = {
            "run": n.last_run(),
            "pubmed_oldest_read": oldest_read,
            "pubmed_requests": pubmed.requests[before:],
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "history": query(n.warehouse, "SELECT * FROM trial_status_history ORDER BY ALL"),
            "changes": query(n.warehouse, "SELECT count(*) FROM trial_changes"),
        }

        # Night 3: forced full pull; one study is gone. An analyst reads the warehouse throughout.
        ctgov.studies = night3
        stop_file = root / "stop-reading"
        analyst = subprocess.Popen(
            [sys.executable, "-c", ANALYST, str(n.warehouse), str(stop_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert analyst.stdout is not None
        first_line = analyst.stdout.readline()  # the analyst is connected before the build starts
        try:
            assert n.run("--full") == EXIT_OK
        finally:
            stop_file.touch()
            out, err = analyst.communicate(timeout=60)
        lines = (first_line + out).split()
        seen["night3"] = {
            "run": n.last_run(),
            "reads": lines[1:-1],
            "count_before": int(first_line.split()[0]),
            "held_count_after": lines[-1],
            "analyst_errors": err,
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "removed": query(n.warehouse, "SELECT nct_id, last_seen_run, removed_in_run FROM removed_trials"),
            "changes": query(n.warehouse, "SELECT change, nct_id FROM trial_changes ORDER BY ALL"),
            "history_end": query(
                n.warehouse,
                "SELECT valid_to IS NOT NULL FROM trial_status_history WHERE nct_id = ?",
                DISAPPEARS,
            ),
            "reference": n.reference(),
        }

        # Night 4: every attempt of a studies request fails; then a clean re-run.
        wh_bytes = n.warehouse.read_bytes()
        ctgov.inject(*[Fault("503")] * 4)
        assert n.run() == EXIT_ERROR
        seen["night4_failed"] = {"run": n.last_run(), "unchanged": n.warehouse.read_bytes() == wh_bytes}
        assert n.run() == EXIT_OK
        seen["night4"] = {
            "run": n.last_run(),
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "reference": n.reference(),
        }

        # Night 5: killed before a raw manifest, then killed after normalising; then the next run.
        seen["kill_before_manifest"] = kill_mid_run(n.config, "before-manifest")
        seen["kill_after_normalise"] = kill_mid_run(n.config, "after-normalise")
        with refresh_lock(n.settings.storage.data_dir, "an operator"):
            seen["while_locked"] = n.run()
        assert n.run() == EXIT_OK
        seen["night5"] = {
            "run": n.last_run(),
            "records": RunLog(n.settings.storage.data_dir).records(),
            "build_mode": build_mode(n.warehouse),
            "snapshot": snapshot(n.warehouse),
            "reference": n.reference(),
            "runs_table": query(n.warehouse, "SELECT run_id, source, status, mode FROM runs ORDER BY ALL"),
        }
    return seen


def test_night1_is_a_full_pull_equal_to_a_full_refresh(nights):
    night = nights["night1"]
    assert night["run"].status == "succeeded" and night["run"].mode == "full"
    assert night["snapshot"] == night["reference"]
    assert night["run"].sources["ctgov"]["watermark"] >= "2020-01-01"
    assert night["run"].sources["pubmed"]["watermark"] == night["run"].started_at[:10]


def test_night2_pulls_only_changes_and_equals_a_full_refresh(nights):
    night = nights["night2"]
    assert night["run"].mode == "incremental"
    ctgov = night["run"].sources["ctgov"]
    assert ctgov["mode"] == "incremental" and ctgov["watermark"] == POSTED
    studies = [r for r in night["ctgov_requests"] if r.path.endswith("/studies")]
    main_query = [r for r in studies if "filter.advanced" in r.params]
    assert main_query and main_query[0].params["filter.advanced"].startswith("AREA[LastUpdatePostDate]RANGE[")
    drift = [r for r in studies if "filter.ids" in r.params]
    assert len(drift) == 1 and len(drift[0].params["filter.ids"].split(",")) == 5, (
        "the drift slice is re-read"
    )
    assert len(studies) == 2, "one page of changes plus one drift request"
    searches = [r for r in night["pubmed_requests"] if r.endpoint == "esearch"]
    assert len(searches) == 1 and "[MDAT]" in searches[0].params["term"]
    pubmed = night["run"].sources["pubmed"]
    assert pubmed["mode"] == "incremental" and pubmed["n_records"] == 1
    # The PubMed drift slice: the oldest-read PMIDs not already fetched, re-read by PMID in one EFetch.
    drift = [r.params["id"].split(",") for r in night["pubmed_requests"] if "id" in r.params]
    expected = [p for p in night["pubmed_oldest_read"] if p != night["pubmed_modified"]]
    assert drift == [expected] and len(expected) >= 4
    assert pubmed["n_drift_ids"] == pubmed["n_drift_records"] == len(expected)
    assert night["runs_drift"] == [("ctgov", 5, 5), ("pubmed", len(expected), len(expected))]
    assert night["snapshot"] == night["reference"]


def test_night2_history_and_changes(nights):
    night = nights["night2"]
    history: dict[str, list[tuple]] = {}
    for row in sorted(night["history"], key=lambda r: (r[0], r[5])):
        history.setdefault(row[0], []).append(row)
    assert len(history) == len(night["snapshot"]["trials"])
    assert {k for k, rows in history.items() if len(rows) > 1} == set(CHANGED)
    first, second = history[CHANGED[1]]
    assert second[2] == first[1] and second[1] == "TERMINATED", "previous_overall_status carried"
    assert first[6] == second[5] and second[6] is None, "valid_to of a version is valid_from of the next"
    assert sorted((c, n) for c, n, _ in night["changes"]) == sorted(
        [("added", HELD_BACK), ("changed", CHANGED[0]), ("changed", CHANGED[1])]
    )
    assert all("overall_status" in fields for change, _, fields in night["changes"] if change == "changed")
    assert night["cgrp_status_changes"] == night["cgrp_history_30_days"] == [(c,) for c in sorted(CHANGED)]


def test_running_the_same_night_twice_changes_nothing(nights):
    again = nights["night2_again"]
    # The re-run's PubMed drift slice moved on: last night's re-reads are now the newest reads.
    (drift,) = [r.params["id"].split(",") for r in again["pubmed_requests"] if "id" in r.params]
    assert drift == [p for p in again["pubmed_oldest_read"] if p != nights["night2"]["pubmed_modified"]]
    assert not set(drift) & set(nights["night2"]["pubmed_oldest_read"])
    assert again["run"].sources["pubmed"]["n_drift_records"] == len(drift)
    assert again["snapshot"] == nights["night2"]["snapshot"]
    assert again["history"] == nights["night2"]["history"], "no history row for an unchanged re-read"
    assert again["changes"] == [(0,)]


def test_night3_full_pull_records_the_removal(nights):
    night = nights["night3"]
    assert night["run"].sources["ctgov"]["mode"] == "full"
    assert night["snapshot"] == night["reference"]
    assert DISAPPEARS not in {r[0] for r in night["snapshot"]["trials"]}
    assert len(night["removed"]) == 1
    nct_id, last_seen, removed_in = night["removed"][0]
    assert nct_id == DISAPPEARS and removed_in == night["run"].run_id and last_seen < removed_in
    assert night["changes"] == [("removed", DISAPPEARS)]
    assert night["history_end"] == [(True,)]


def test_incremental_pulls_update_the_warehouse_in_place_and_full_pulls_rebuild_it(nights):
    """Each night above equals a from-scratch full refresh; this says which build path produced it."""
    modes = {name: nights[name]["build_mode"] for name in ("night1", "night2", "night2_again", "night3")}
    assert modes == {
        "night1": "full",
        "night2": "incremental",
        "night2_again": "incremental",
        "night3": "full",
    }
    assert nights["night4"]["build_mode"] == "incremental"


def test_readers_are_never_blocked_and_never_see_a_half_built_warehouse(nights):
    night = nights["night3"]
    assert night["analyst_errors"] == "", "a read was blocked or failed"
    before = night["count_before"]
    assert night["reads"] and {int(r) for r in night["reads"]} <= {before, before - 1}, (
        "only whole warehouses"
    )
    assert int(night["held_count_after"]) == before, "an open connection keeps the old file"


def test_a_failed_night_keeps_the_warehouse_and_the_next_run_completes(nights):
    failed = nights["night4_failed"]
    assert failed["unchanged"]
    assert failed["run"].status == "failed" and "503" in failed["run"].error
    night = nights["night4"]
    assert night["run"].status == "succeeded"
    assert night["run"].sources["ctgov"]["from_watermark"] == POSTED, "the failed run left no watermark"
    assert night["snapshot"] == night["reference"]


def test_killed_runs_are_recovered_or_reported_and_the_lock_holds(nights):
    before, after = nights["kill_before_manifest"], nights["kill_after_normalise"]
    assert before.returncode == 9 and after.returncode == 9, before.stderr[-500:] + after.stderr[-500:]
    killed = after.stdout.strip()
    assert nights["while_locked"] == EXIT_ERROR
    records = {r.run_id: r for r in nights["night5"]["records"]}
    assert records[killed].status == "failed" and records[killed].error == INTERRUPTED
    settings = nights["settings"]
    partition = settings.parquet_dir / "ctgov" / "trial_classes" / f"run_id={killed}"
    assert partition.is_dir(), "the complete raw run was classified by the next run"
    incomplete = {
        p.name for p in (settings.raw_dir / "ctgov").iterdir() if not (p / "manifest.json").exists()
    }
    cut_off = {r.run_id for r in records.values() if r.error == INTERRUPTED} - {killed}
    assert incomplete == {nights["night4_failed"]["run"].run_id, *cut_off} and len(cut_off) == 1
    # The run killed before its manifest had fetched every page: the next fetch took them over.
    (cut_off_run,) = cut_off
    manifest = json.loads((settings.raw_dir / "ctgov" / killed / "manifest.json").read_text("utf-8"))
    assert manifest["resumed_from"]["run_id"] == cut_off_run and manifest["resumed_from"]["n_pages_kept"] >= 1
    assert (settings.raw_dir / "ctgov" / cut_off_run / "taken_over.json").exists()
    night = nights["night5"]
    assert night["run"].status == "succeeded"
    assert night["snapshot"] == night["reference"]
    assert (killed, "ctgov", "failed", "incremental") in night["runs_table"]


def test_status_reports_runs_watermarks_freshness_and_incomplete_runs(nights, capsys):
    capsys.readouterr()
    assert main(["--config", str(nights["config"]), "status", "--limit", "20"]) == EXIT_OK
    out = capsys.readouterr().out
    assert nights["night5"]["run"].run_id in out and "succeeded" in out and "failed" in out
    assert f"ClinicalTrials.gov {POSTED}" in out
    assert re.search(r"PubMed: incremental, \d+ fetched \(\+\d+ re-read for drift\)", out), out
    assert "h ago" in out and "Incomplete raw runs (never used): ctgov:" in out
    assert main(["--config", str(nights["config"]), "status", "--limit", "0"]) == EXIT_ERROR
