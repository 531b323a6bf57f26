"""Incremental warehouse builds give exactly the tables a full build of the same Parquet gives.

Runs are laid out as a refresh leaves them: one run id shared by both sources, every table's partition
(empty ones too), a complete raw manifest saying full or incremental, and a run-log record that is
``running`` while its build happens and ``succeeded`` afterwards (the planner reads both). After every
incremental build a full build of the same data dir into a second file must hold the same rows in every
table and view; only when and how a build ran may differ. The settings carry the shipped endpoint
taxonomy and runs 2 and 3 bring transcribed CGRP antibody trials with posted results, so the outcome
tables (patched per trial) and the class pools (pooled again by every build) are compared too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ctgov_parquet_builder import CLASSES as CTGOV_CLASSES
from ctgov_parquet_builder import (
    SCHEMAS as CTGOV_SCHEMAS,
)
from ctgov_parquet_builder import (
    Rows,
    first_run,
    gepant_trial,
    merge,
    trial,
    trial_class,
    write_partition,
)
from ctgov_parquet_builder import make_settings as make_plain_settings
from outcome_rows import ARISE, EVOLVE_2, HALO_EM, outcome_measures, transcribed, with_endpoints
from pubmed_parquet_builder import (
    ACHIEVE_I,
    BOTOX_REVIEW,
    ERENUMAB_REVIEW,
    FOCUS,
    HALO_CM,
    REGAIN_PAPER,
    ctgov_run,
    keyword,
    pubmed_run_1,
    pubmed_run_2,
    registry_id,
    write_pubmed_partition,
)
from pubmed_parquet_builder import CLASSES as PUBMED_CLASSES
from sql_folder import copy_of_packaged_sql

from pipeline import steps
from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.raw.zone import RawZone
from pipeline.runs.log import RunLog
from pipeline.sources.ctgov.normalise.schemas import REREADS
from pipeline.sources.pubmed.normalise.schemas import TABLES as PUBMED_SCHEMAS
from pipeline.warehouse import build as warehouse
from pipeline.warehouse.build import BuildSummary, build_warehouse
from pipeline.warehouse.plan import BuildPlan

R1 = "20260101T030000Z-aaaa"
R2 = "20260201T030000Z-bbbb"
R3 = "20260301T030000Z-cccc"
R4 = "20260401T030000Z-dddd"
CLASSES = {**CTGOV_CLASSES, **PUBMED_CLASSES}
NEW_TRIAL = "NCT09990001"
GEPANT = "NCT01613248"
# warehouse_builds says when and how a build ran: the only columns allowed to differ between the modes.


def make_settings(root: Path, **classes: dict[str, Any]) -> Settings:
    """The builders' settings with the shipped endpoint taxonomy."""
    return with_endpoints(make_plain_settings(root, **classes))


FINGERPRINT_CHANGED = (
    "the warehouse SQL, Parquet schemas, treatment classes, endpoint taxonomy or DuckDB version "
    "changed since the last build"
)
BUILD_ONLY_COLUMNS = {"warehouse_builds": ("built_at", "build_mode", "build_reason")}


# -- laying out runs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One refresh: its id (which says when it fetched), the rows it normalised per source (None: the
    source was not fetched), and its pull mode."""

    run_id: str
    ctgov: Rows | None = None
    pubmed: Rows | None = None
    rereads: tuple[str, ...] = ()  # nct ids a drift re-read found unchanged
    mode: str = "incremental"

    @property
    def fetched_at(self) -> datetime:
        return datetime.strptime(self.run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def write_refresh(settings: Settings, run: Run) -> None:
    """Parquet, classes, raw manifests and a ``running`` run-log record, as a refresh has before its build."""
    sources: dict[str, dict[str, Any]] = {}
    if run.ctgov is not None:
        stamp = run.fetched_at.strftime("%Y-%m-%dT%H:%M:%S")
        for table in CTGOV_SCHEMAS:
            write_partition(
                settings.parquet_dir, table, run.run_id, run.ctgov.get(table, []), run.fetched_at, stamp
            )
        _write_rereads(settings.parquet_dir, run, stamp)
        steps.derive(settings, "ctgov", run.run_id)
        sources["ctgov"] = {"mode": run.mode}
    if run.pubmed is not None:
        for table in PUBMED_SCHEMAS:
            rows = run.pubmed.get(table, [])
            write_pubmed_partition(settings.parquet_dir, table, run.run_id, rows, run.fetched_at)
        steps.classify(settings, "pubmed", run.run_id)
        sources["pubmed"] = {"mode": run.mode}
    for source in sources:
        raw = RawZone(settings.raw_dir).start_run(source, run.run_id)
        raw.finish({"mode": run.mode, "started_at": run.fetched_at.isoformat(), "total_count": None})
    RunLog(settings.storage.data_dir).start(run.run_id, run.mode, sources)


def _write_rereads(parquet_dir: Path, run: Run, stamp: str) -> None:
    provenance = {"run_id": run.run_id, "fetched_at": run.fetched_at, "data_timestamp": stamp}
    rows = [{"nct_id": n, "content_sha256": "0" * 64, **provenance} for n in run.rereads]
    folder = parquet_dir / "ctgov" / "rereads" / f"run_id={run.run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=REREADS), folder / "part-00000.parquet")


def succeed(settings: Settings, run: Run) -> None:
    RunLog(settings.storage.data_dir).finish(run.run_id, "succeeded")


def new_trial(enrollment: int, status: str = "RECRUITING") -> Rows:
    return {
        "trials": [
            trial(
                NEW_TRIAL,
                brief_title="Sumatriptan Nasal Powder in Adolescents With Migraine",
                overall_status=status,
                status_group="ongoing" if status == "RECRUITING" else "completed",
                phases_raw=["PHASE3"],
                phase="PHASE3",
                enrollment=enrollment,
                last_update_post_date=date(2026, 1, 20),
            )
        ],
        "conditions": [{"nct_id": NEW_TRIAL, "condition_idx": 0, "condition": "Migraine"}],
        "interventions": [
            {"nct_id": NEW_TRIAL, "intervention_idx": 0, "intervention_type": "DRUG", "name": "Sumatriptan"}
        ],
        "trial_classes": [trial_class(NEW_TRIAL, "triptan", "sumatriptan", "Sumatriptan")],
    }


def only_trial(rows: Rows, nct_id: str, **changes: Any) -> Rows:
    """One trial's rows out of a run, with changed trial values."""
    picked = {t: [r for r in rs if r["nct_id"] == nct_id] for t, rs in rows.items()}
    picked["trials"] = [{**r, **changes} for r in picked["trials"]]
    return picked


def run_1() -> Run:
    """Full pull of both sources: nine trials (results, references) and five papers."""
    return Run(R1, merge(first_run(), ctgov_run()), pubmed_run_1(), mode="full")


def revised_arise(doc: dict[str, Any]) -> None:
    """The sponsor corrects ARISE's posted difference in monthly migraine days (-1.0 to -1.1)."""
    outcome_measures(doc)[0]["analyses"][0]["paramValue"] = "-1.1"


def run_2() -> Run:
    """Gepant trial completed (an intervention dropped), a new trial, ACHIEVE I re-stored unchanged and
    HALO CM re-read unchanged, two CGRP antibody trials with posted results (ARISE, HALO EM); the post hoc
    paper revised (now naming HALO CM), a new paper, a deletion."""
    ctgov = merge(
        gepant_trial("COMPLETED", "completed", with_rescue=False, last_update=date(2019, 1, 8)),
        new_trial(enrollment=120),
        only_trial(ctgov_run(), ACHIEVE_I),
        transcribed(ARISE),
        transcribed(HALO_EM),
    )
    return Run(R2, ctgov, pubmed_run_2(), rereads=(HALO_CM,))


def run_3() -> Run:
    """ACHIEVE I completed, the new trial's enrollment revised, FOCUS now cites the erenumab review, a
    third CGRP antibody trial (EVOLVE-2) and ARISE's posted difference corrected; the deleted review
    returns, the erenumab review is revised, the REGAIN paper is deleted."""
    focus = only_trial(ctgov_run(), FOCUS)
    focus["references"] = [
        {"nct_id": FOCUS, "reference_idx": 0, "pmid": ERENUMAB_REVIEW["pmid"], "reference_type": "BACKGROUND"}
    ]
    ctgov = merge(
        only_trial(ctgov_run(), ACHIEVE_I, overall_status="COMPLETED", status_group="completed"),
        new_trial(enrollment=140),
        focus,
        transcribed(EVOLVE_2),
        transcribed(ARISE, revised_arise),
    )
    pubmed: Rows = {
        "publications": [BOTOX_REVIEW, {**ERENUMAB_REVIEW, "title": "Erenumab for episodic migraine (rev.)"}],
        "publication_keywords": [keyword(BOTOX_REVIEW["pmid"], "botulinum toxin")],
        "deleted_pmids": [{"pmid": REGAIN_PAPER["pmid"]}],
    }
    return Run(R3, ctgov, pubmed)


def run_4() -> Run:
    """PubMed only: the erenumab review's databank now names the (untouched) erenumab trial."""
    revised = {**ERENUMAB_REVIEW, "title": "Erenumab for episodic migraine (rev. 2)"}
    return Run(
        R4,
        pubmed={
            "publications": [revised],
            "publication_registry_ids": [registry_id(ERENUMAB_REVIEW["pmid"], "NCT02066415", "databank")],
        },
    )


# -- comparing warehouses -------------------------------------------------------------------------------


def elsewhere(settings: Settings, name: str) -> Settings:
    """The same data dir and classes, another warehouse file."""
    path = settings.warehouse.path.with_name(name)
    return settings.model_copy(update={"warehouse": settings.warehouse.model_copy(update={"path": path})})


def relations(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Every persistent table and view with its columns (name, type) in order."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND NOT internal ORDER BY table_name, column_index"
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        found.setdefault(table, []).append((column, data_type))
    return found


def contents(path: Path) -> dict[str, Any]:
    """Columns, comments and sorted rows of every table and view, minus the build-only columns."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out: dict[str, Any] = {
            "comments": con.execute(
                "SELECT table_name, NULL, comment FROM duckdb_tables() "
                "WHERE database_name = current_database() "
                "UNION ALL SELECT view_name, NULL, comment FROM duckdb_views() "
                "WHERE database_name = current_database() AND NOT internal "
                "UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() "
                "WHERE database_name = current_database() AND NOT internal ORDER BY ALL"
            ).fetchall()
        }
        for table, columns in relations(con).items():
            kept = [c for c, _ in columns if c not in BUILD_ONLY_COLUMNS.get(table, ())]
            select = ", ".join(f'"{c}"' for c in kept)
            out[table] = (columns, con.execute(f'SELECT {select} FROM "{table}" ORDER BY ALL').fetchall())
        return out
    finally:
        con.close()


def build_row(path: Path) -> tuple[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT build_mode, build_reason FROM warehouse_builds").fetchone()
    finally:
        con.close()


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.warehouse.path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def assert_same_as_full_build(settings: Settings) -> None:
    """Every table and view of the warehouse equals a full build's of the same Parquet and run log."""
    full = elsewhere(settings, "full.duckdb")
    summary = build_warehouse(full, full="comparison")
    assert (summary.mode, summary.reason) == ("full", "comparison")
    got, want = contents(settings.warehouse.path), contents(full.warehouse.path)
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table] == want[table], f"{table} differs from a full build"
    full.warehouse.path.unlink()


def snapshot(settings: Settings) -> tuple[bytes, list[str]]:
    folder = settings.warehouse.path.parent
    return settings.warehouse.path.read_bytes(), sorted(p.name for p in folder.iterdir())


# -- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def after_run_1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir and warehouse after the full first run (built once, copied per test)."""
    root = tmp_path_factory.mktemp("run1")
    settings = make_settings(root, **CLASSES)
    write_refresh(settings, run_1())
    summary = build_warehouse(settings)
    assert (summary.mode, summary.reason) == ("full", "no previous warehouse")
    succeed(settings, run_1())
    return root


@pytest.fixture(scope="module")
def after_run_2(after_run_1: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same after the second run, built incrementally (and compared with a full build)."""
    root = tmp_path_factory.mktemp("run2") / "data"
    shutil.copytree(after_run_1, root)
    settings = make_settings(root, **CLASSES)
    summary = build_incrementally(settings, run_2())
    assert summary.reason == "ctgov 1 new run(s), pubmed 1 new run(s)"
    return root


def private_copy(built: Path, tmp_path: Path) -> Settings:
    """A test's own copy of a built data dir and warehouse (copy2 keeps the files' mtimes)."""
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    return make_settings(root, **CLASSES)


@pytest.fixture
def settings(after_run_1: Path, tmp_path: Path) -> Settings:
    return private_copy(after_run_1, tmp_path)


@pytest.fixture
def settings_2(after_run_2: Path, tmp_path: Path) -> Settings:
    return private_copy(after_run_2, tmp_path)


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BuildPlan]]:
    """Records the plans build_warehouse makes, to know what a build that failed was doing."""
    plans: list[BuildPlan] = []
    real: Callable[..., BuildPlan] = warehouse.plan_build

    def spy(*args: Any, **kwargs: Any) -> BuildPlan:
        plans.append(real(*args, **kwargs))
        return plans[-1]

    monkeypatch.setattr(warehouse, "plan_build", spy)
    yield plans


# -- incremental == full --------------------------------------------------------------------------------


def build_incrementally(settings: Settings, run: Run) -> BuildSummary:
    """Lay out ``run``, build as a refresh does (the ``build`` step), compare, mark the run succeeded."""
    write_refresh(settings, run)
    summary = steps.build(settings)
    assert summary.mode == "incremental", summary.reason
    assert build_row(settings.warehouse.path)[0] == "incremental"
    assert_same_as_full_build(settings)
    succeed(settings, run)
    return summary


POOLED_MMD = (
    "SELECT treatment_class, nct_ids, n_comparisons FROM class_effects "
    "WHERE endpoint_code = 'mmd_change' AND population = 'episodic' ORDER BY treatment_class"
)


def test_incremental_runs_give_the_tables_of_a_full_build(settings_2: Settings) -> None:
    """Run 2 was built incrementally by the fixture (and compared); runs 3 and 4 follow."""
    settings = settings_2
    assert query(settings, f"SELECT overall_status, run_id FROM trials WHERE nct_id = '{GEPANT}'") == [
        ("COMPLETED", R2)
    ]
    interventions = f"SELECT count(*) FROM trial_interventions WHERE nct_id = '{GEPANT}'"
    assert query(settings, interventions) == [(2,)]
    changes = query(settings, "SELECT nct_id, change, changed_fields FROM trial_changes ORDER BY nct_id")
    assert changes == [
        (GEPANT, "changed", ["overall_status", "last_update_post_date"]),
        (ARISE, "added", ["phase"]),
        (HALO_EM, "added", ["phase"]),
        (NEW_TRIAL, "added", ["overall_status", "phase", "enrollment", "last_update_post_date"]),
    ]
    history = f"SELECT count(*) FROM trial_status_history WHERE nct_id = '{ACHIEVE_I}'"
    assert query(settings, history) == [(1,)]  # re-stored unchanged: no new history row
    assert query(settings, "SELECT pmid, reason FROM removed_publications") == [
        (BOTOX_REVIEW["pmid"], "deleted")
    ]
    assert query(settings, POOLED_MMD) == [
        ("cgrp", [ARISE, HALO_EM], 3),
        ("cgrp_mab", [ARISE, HALO_EM], 3),
    ]

    build_incrementally(settings, run_3())
    assert query(settings, POOLED_MMD) == [
        ("cgrp", [ARISE, EVOLVE_2, HALO_EM], 5),
        ("cgrp_mab", [ARISE, EVOLVE_2, HALO_EM], 5),
    ]
    arise = f"SELECT estimate FROM trial_effects WHERE nct_id = '{ARISE}' AND endpoint_code = 'mmd_change'"
    assert query(settings, arise) == [(-1.1,)]
    assert query(settings, "SELECT nct_id, change FROM trial_changes ORDER BY nct_id") == [
        (EVOLVE_2, "added"),
        (ACHIEVE_I, "changed"),
        (NEW_TRIAL, "changed"),
    ]
    assert query(settings, "SELECT pmid, reason FROM removed_publications") == [
        (REGAIN_PAPER["pmid"], "deleted")
    ]
    assert query(settings, f"SELECT count(*) FROM publications WHERE pmid = '{BOTOX_REVIEW['pmid']}'") == [
        (1,)
    ]
    cites = f"SELECT link_source FROM trial_publications WHERE nct_id = '{FOCUS}'"
    assert query(settings, cites) == [("ctgov_reference",)]

    summary = build_incrementally(settings, run_4())
    assert summary.reason == "pubmed 1 new run(s)"
    links = "SELECT nct_id, link_source FROM trial_publications WHERE pmid = '35313740' ORDER BY ALL"
    assert query(settings, links) == [("NCT02066415", "pubmed_databank"), (FOCUS, "ctgov_reference")]
    # ctgov had no new run: the changes of run 3 are still what its build published.
    assert query(settings, "SELECT DISTINCT run_id FROM trial_changes") == [(R3,)]


def test_a_ctgov_only_run_after_a_failed_build_updates_in_place(settings: Settings) -> None:
    """A run whose build failed (never succeeded) is read by the next run's build along with its own."""
    write_refresh(settings, run_2())
    RunLog(settings.storage.data_dir).finish(R2, "failed", "export failed")
    build_incrementally(settings, Run(R3, only_trial(ctgov_run(), FOCUS, enrollment=900)))
    assert query(settings, "SELECT DISTINCT run_id, baseline_run_id FROM trial_changes") == [(R3, R1)]


# -- when the plan must be full ------------------------------------------------------------------------


def test_changed_sql_forces_a_full_build(settings: Settings, tmp_path: Path) -> None:
    write_refresh(settings, run_2())
    sql_dir = copy_of_packaged_sql(tmp_path)
    evidence = sql_dir / "marts" / "evidence" / "evidence.sql"
    evidence.write_text(evidence.read_text(encoding="utf-8") + "\n-- one more line\n", encoding="utf-8")
    summary = build_warehouse(settings, sql_dir=sql_dir)
    assert (summary.mode, summary.reason) == ("full", FINGERPRINT_CHANGED)
    assert build_row(settings.warehouse.path) == (summary.mode, summary.reason)


def test_changed_classes_force_a_full_build(settings: Settings) -> None:
    write_refresh(settings, run_2())
    fewer = {k: v for k, v in CLASSES.items() if k != "meglitinide"}
    summary = build_warehouse(make_settings(settings.storage.data_dir.parent, **fewer))
    assert (summary.mode, summary.reason) == ("full", FINGERPRINT_CHANGED)


def test_rewritten_old_partition_forces_a_full_build(settings: Settings) -> None:
    """A re-normalised old run (here: a corrected title) is only seen by deriving everything again."""
    write_refresh(settings, run_2())
    rows = run_1().ctgov
    assert rows is not None
    rows["trials"] = [
        {**t, "brief_title": "Corrected"} if t["nct_id"] == FOCUS else t for t in rows["trials"]
    ]
    write_partition(
        settings.parquet_dir, "trials", R1, rows["trials"], run_1().fetched_at, "2026-01-01T03:00:00"
    )
    summary = build_warehouse(settings)
    assert summary.mode == "full"
    assert (
        summary.reason
        == f"partition file ctgov/trials/run_id={R1}/part-00000.parquet changed since the last build"
    )
    assert query(settings, f"SELECT title FROM trials WHERE nct_id = '{FOCUS}'") == [("Corrected",)]


def test_removed_old_partition_forces_a_full_build(settings: Settings) -> None:
    shutil.rmtree(settings.parquet_dir / "pubmed" / "publication_keywords" / f"run_id={R1}")
    summary = build_warehouse(settings)
    assert summary.mode == "full"
    assert summary.reason == (
        f"partition file pubmed/publication_keywords/run_id={R1}/part-00000.parquet "
        "read by the last build is gone"
    )
    assert query(settings, "SELECT count(*) FROM publications WHERE len(keywords) > 0") == [(0,)]


def test_a_full_pull_forces_a_full_build(settings: Settings) -> None:
    """A full pull that no longer returns a trial removes it: only a full build sees that."""
    full_pull = run_1().ctgov
    assert full_pull is not None
    without_focus = {t: [r for r in rs if r["nct_id"] != FOCUS] for t, rs in full_pull.items()}
    write_refresh(settings, Run(R2, without_focus, mode="full"))
    summary = build_warehouse(settings)
    assert (summary.mode, summary.reason) == (
        "full",
        f"ctgov run {R2} is a full pull: its absences may remove any record",
    )
    assert query(settings, "SELECT nct_id, removed_in_run FROM removed_trials") == [(FOCUS, R2)]


def test_an_older_run_appearing_late_forces_a_full_build(settings_2: Settings) -> None:
    """Partitions of a run older than the newest one read (normalised late) may hold superseded versions."""
    late = "20260115T030000Z-eeee"
    write_refresh(settings_2, Run(late, only_trial(ctgov_run(), FOCUS, enrollment=1)))
    summary = build_warehouse(settings_2)
    assert summary.mode == "full"
    assert summary.reason == f"new ctgov partitions for run {late}, not newer than the last build's {R2}"


def test_a_run_without_a_succeeded_baseline_forces_a_full_build(settings_2: Settings) -> None:
    """Run 2 was built but never succeeded: run 3's changes compare with run 1, which the copy lacks."""
    RunLog(settings_2.storage.data_dir).finish(R2, "failed", "report failed")
    write_refresh(settings_2, run_3())
    summary = build_warehouse(settings_2)
    assert summary.mode == "full"
    assert summary.reason == (
        f"the last build read ctgov run {R2}, which did not succeed: "
        "the changes baseline differs from what it published"
    )
    assert query(settings_2, "SELECT DISTINCT baseline_run_id FROM trial_changes") == [(R1,)]


def test_records_a_full_pull_removed_come_back_in_an_incremental_run(settings: Settings) -> None:
    """Run 2 is a full pull without FOCUS and the REGAIN paper (removed); run 3 returns both."""
    ctgov, pubmed = run_1().ctgov, run_1().pubmed
    assert ctgov is not None and pubmed is not None
    without_focus = {t: [r for r in rs if r["nct_id"] != FOCUS] for t, rs in ctgov.items()}
    without_regain = {t: [r for r in rs if r["pmid"] != REGAIN_PAPER["pmid"]] for t, rs in pubmed.items()}
    full_pull = Run(R2, without_focus, without_regain, mode="full")
    write_refresh(settings, full_pull)
    assert build_warehouse(settings).mode == "full"
    succeed(settings, full_pull)
    assert query(settings, "SELECT nct_id FROM removed_trials") == [(FOCUS,)]
    assert query(settings, "SELECT pmid, reason FROM removed_publications") == [
        (REGAIN_PAPER["pmid"], "not_returned")
    ]

    back = Run(R3, only_trial(ctgov_run(), FOCUS), {"publications": [REGAIN_PAPER]})
    build_incrementally(settings, back)
    assert query(settings, "SELECT count(*) FROM removed_trials") == [(0,)]
    assert query(settings, "SELECT count(*) FROM removed_publications") == [(0,)]
    assert query(settings, "SELECT nct_id, change FROM trial_changes") == [(FOCUS, "added")]


def test_an_unreadable_previous_warehouse_means_a_full_build(settings: Settings) -> None:
    settings.warehouse.path.write_bytes(b"not a duckdb file")
    write_refresh(settings, run_2())
    summary = build_warehouse(settings)
    assert summary.mode == "full"
    assert summary.reason.startswith("the previous warehouse cannot be opened")


def test_forced_full_build_gives_the_same_tables(settings_2: Settings) -> None:
    """``full=`` (what a rebuild asks for) derives everything again, with the reason it gave. (The run
    log changed since run 2's build, so first an incremental build with no new partitions.)"""
    assert build_warehouse(settings_2).reason == "no new partitions"
    before = contents(settings_2.warehouse.path)
    summary = build_warehouse(settings_2, full="rebuild")
    assert (summary.mode, summary.reason) == ("full", "rebuild")
    assert build_row(settings_2.warehouse.path) == ("full", "rebuild")
    assert contents(settings_2.warehouse.path) == before


# -- failures keep the previous warehouse --------------------------------------------------------------


EXTRA_TABLE = (
    "CREATE TABLE trial_extras AS SELECT nct_id FROM trials;\n"
    "COMMENT ON TABLE trial_extras IS 'A table the splice does not know';\n"
    "COMMENT ON COLUMN trial_extras.nct_id IS 'Trial';\n"
)


def test_a_per_record_file_without_an_incremental_rule_stops_the_build(
    settings: Settings, tmp_path: Path, planned: list[BuildPlan]
) -> None:
    """The header says how the splice treats a table: without it no build starts, and the old file stays."""
    sql_dir = copy_of_packaged_sql(tmp_path)
    (sql_dir / "marts" / "trials" / "trial_extras.sql").write_text(
        "-- grain: trial\n-- key: nct_id\n\n" + EXTRA_TABLE, encoding="utf-8"
    )
    write_refresh(settings, run_2())
    before = snapshot(settings)
    with pytest.raises(
        WarehouseError,
        match=r"^SQL marts/trials/trial_extras\.sql: header lacks incremental: \(.*patch by <column>",
    ):
        build_warehouse(settings, sql_dir=sql_dir)
    assert planned == []
    assert snapshot(settings) == before


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_a_per_record_table_without_a_file_of_its_own_stops_the_build(
    settings: Settings, tmp_path: Path, planned: list[BuildPlan], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A second table made by a per-record file has no rule the splice could follow: the build stops in
    scratch (incremental) or before the swap (full), and the old file stays."""
    sql_dir = copy_of_packaged_sql(tmp_path)
    trials = sql_dir / "marts" / "trials" / "trials.sql"
    trials.write_text(trials.read_text(encoding="utf-8") + EXTRA_TABLE, encoding="utf-8")
    if mode == "incremental":  # the SQL change alone would force a full build
        monkeypatch.setattr(warehouse, "fingerprint", lambda *_: read_fingerprint(settings))
    write_refresh(settings, run_2())
    before = snapshot(settings)
    with pytest.raises(
        WarehouseError, match=r"^table\(s\) trial_extras have no SQL file of their own: .*warehouse/marts/"
    ):
        build_warehouse(settings, sql_dir=sql_dir)
    assert planned[-1].mode == mode
    assert snapshot(settings) == before


def read_fingerprint(settings: Settings) -> str:
    return query(settings, "SELECT fingerprint FROM warehouse_builds")[0][0]


def test_a_failed_check_in_an_incremental_build_keeps_the_previous_warehouse(
    settings: Settings, planned: list[BuildPlan]
) -> None:
    before = snapshot(settings)
    run = Run(R2, only_trial(ctgov_run(), FOCUS, phase="PHASE5"))
    write_refresh(settings, run)
    with pytest.raises(WarehouseError, match=r"trials\.phase allowed values.*PHASE5"):
        build_warehouse(settings)
    assert [p.mode for p in planned] == ["incremental"]
    assert snapshot(settings) == before


def test_the_previous_build_is_read_from_the_warehouse(settings_2: Settings) -> None:
    """warehouse_inputs lists exactly the partition files on disk when it was built."""
    listed = query(settings_2, "SELECT file, bytes, modified_ns FROM warehouse_inputs ORDER BY file")
    on_disk = sorted(
        (p.relative_to(settings_2.parquet_dir).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in settings_2.parquet_dir.rglob("*.parquet")
    )
    assert listed == on_disk
    assert {f.split("=")[-1].split("/")[0] for f, _, _ in listed} == {R1, R2}
