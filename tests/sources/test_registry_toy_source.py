"""A third source is one package plus one registry entry: the toy register of ``toy_source.py`` is added
to the registry and nothing else, and the generic steps fetch, normalise, classify, recover, watermark
and register it for the warehouse without any ctgov or pubmed code knowing of it."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from pipeline import steps
from pipeline.cli import build_parser
from pipeline.config import Settings
from pipeline.errors import PipelineError
from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import Origin, RawZone
from pipeline.runs.recovery import stale_runs
from pipeline.runs.status import collect_status
from pipeline.sources import registry
from pipeline.sources.spec import Source, Versions
from pipeline.warehouse.plan import fingerprint
from pipeline.warehouse.relations import partition_files, register_sources, register_versions
from pipeline.warehouse.splice import create_touched_keys
from pipeline.warehouse.sql_files import packaged_sql_files
from tests.sources.toy_source import NAME, toy_source

RUN = "20260301T030000Z-aaaa"
LATER = "20260302T030000Z-bbbb"
PAGES = {
    1: {
        "total": 3,
        "next": 2,
        "trials": [
            {
                "eudract_number": "2019-000001-11",
                "title": "A gepant for acute migraine",
                "updated": "2026-02-27",
            },
            {"eudract_number": "2019-000002-22", "title": "Acupuncture in migraine", "updated": "2026-02-28"},
        ],
    },
    2: {
        "total": 3,
        "next": None,
        "trials": [{"eudract_number": "2020-000003-33", "title": "Placebo run-in", "updated": None}],
    },
}


@pytest.fixture
def toy(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Source:
    for number, page in PAGES.items():
        httpserver.expect_request("/trials", query_string=f"page={number}").respond_with_json(page)
    source = toy_source(httpserver.url_for("/").rstrip("/"))
    monkeypatch.setitem(registry.SOURCES, NAME, source)
    return source


def count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    """Fetched to the end: DuckDB 2 keeps a half-fetched result open, and the relations are temporary
    (per connection, so not on a cursor)."""
    return con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]


def fetched(settings: Settings, run_id: str = RUN) -> dict:
    plans = steps.plan_run(settings, run_id, NAME)
    return steps.fetch(settings, NAME, run_id, plan=plans[NAME])


def test_the_generic_steps_fetch_normalise_classify_and_watermark_it(
    folder_settings: Settings, toy: Source
) -> None:
    plans = steps.plan_run(folder_settings, RUN, NAME)
    assert plans[NAME]["mode"] == "full" and plans[NAME]["reason"].startswith("no earlier successful run")

    manifest = steps.fetch(folder_settings, NAME, RUN, plan=plans[NAME])
    raw_run = RawZone(folder_settings.raw_dir).open_run(NAME, RUN)
    assert raw_run.complete and manifest["n_records"] == manifest["total_count"] == 3
    assert [(p.file, p.n_records, p.params) for p in raw_run.pages()] == [
        ("page-000001.json.gz", 2, {"page": 1}),
        ("page-000002.json.gz", 1, {"page": 2}),
    ]

    assert steps.normalise(folder_settings, NAME, RUN) == {"trials": 3}
    assert steps.classify(folder_settings, NAME, RUN) == {"gepant": 1}
    assert (partition_dir(folder_settings.parquet_dir / NAME, "trial_classes", RUN)).is_dir()

    steps.finish_run(folder_settings, RUN, "succeeded")
    status = collect_status(folder_settings)
    assert status.watermarks[NAME] == status.runs[0].started_at[:10]
    assert status.runs[0].sources[NAME]["n_records"] == 3


def test_recovery_finishes_its_parquet_and_reports_its_cut_off_runs(
    folder_settings: Settings, toy: Source
) -> None:
    fetched(folder_settings)  # the process died before normalising
    assert stale_runs(folder_settings, (NAME,))[0].needs_normalise

    cut_off = RawZone(folder_settings.raw_dir).start_run(NAME, "20260301T040000Z-cccc")
    cut_off.write_page("page-000001.json", b"{}", Origin("u", {}, 200, "x"), n_records=0)

    result = steps.recover(folder_settings, LATER, NAME)
    assert result["caught_up"] == [f"{NAME}:{RUN}"]
    assert result["incomplete"] == [f"{NAME}:20260301T040000Z-cccc"]
    assert stale_runs(folder_settings, (NAME,)) == []


def test_the_warehouse_registers_its_tables_versions_and_touched_keys(
    folder_settings: Settings, toy: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched(folder_settings)
    steps.normalise(folder_settings, NAME, RUN)
    steps.classify(folder_settings, NAME, RUN)
    files = partition_files(folder_settings.parquet_dir)
    assert {(f.source, f.table) for f in files} == {(NAME, "trials"), (NAME, "trial_classes")}

    con = duckdb.connect()
    tables = {(t.source, t.table): t for t in register_sources(con, folder_settings.parquet_dir, files)}
    assert tables[(NAME, "trials")].run_ids == (RUN,)
    assert count(con, "src_toyctr_trials") == 3
    assert count(con, "src_toyctr_trial_classes") == 1
    assert count(con, "src_ctgov_trials") == 0  # typed, empty

    touched = create_touched_keys(con)
    assert count(con, touched["eudract_number"]) == 3
    register_versions(con, folder_settings.parquet_dir, files, touched)
    versions = con.execute("SELECT * FROM src_toyctr_trial_versions ORDER BY 1").fetchall()
    assert [row[:2] for row in versions] == [
        ("2019-000001-11", RUN),
        ("2019-000002-22", RUN),
        ("2020-000003-33", RUN),
    ]

    # Its schemas are part of what an incremental build must have been built with.
    with_toy = fingerprint(packaged_sql_files(), [])
    monkeypatch.delitem(registry.SOURCES, NAME)
    assert fingerprint(packaged_sql_files(), []) != with_toy


def test_the_command_line_offers_it(toy: Source) -> None:
    assert build_parser().parse_args(["refresh", "--source", NAME]).source == NAME
    assert registry.selected("all") == ("ctgov", "pubmed", NAME)


def test_a_declaration_that_does_not_add_up_fails_naming_it(toy: Source) -> None:
    with pytest.raises(ValueError, match="toyctr: studies not among its tables"):
        dataclasses.replace(toy, record_table="studies")
    with pytest.raises(ValueError, match="toyctr: trials lacks nct_id"):
        dataclasses.replace(toy, key="nct_id")
    nct_id = registry.get("ctgov").tables["trials"].field("nct_id")
    clash = dataclasses.replace(
        toy,
        key="nct_id",
        tables={"trials": toy.tables["trials"].append(nct_id)},
        versions=Versions(toy.versions.relation, ("nct_id",)),
    )
    with pytest.raises(ValueError, match="sources ctgov and toyctr both key records by nct_id"):
        registry.check_distinct_keys({**registry.SOURCES, NAME: clash})


def test_an_unknown_source_is_a_one_line_error() -> None:
    with pytest.raises(PipelineError, match=r"unknown source 'euctr': expected one of ctgov, pubmed$"):
        registry.selected("euctr")
