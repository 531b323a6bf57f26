"""normalise_run: a raw run built with RawZone from real records -> Parquet partitions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from pipeline.errors import NormaliseError, RawZoneError
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.raw.zone import Origin, RawRun, RawZone
from pipeline.sources.ctgov.normalise.run import normalise_run
from pipeline.sources.ctgov.normalise.schemas import TABLES
from tests.servers.corpus import RecordedCorpus

RUN_ID = "20260102T030405Z-a1b2"
FETCHED = ["2026-01-02T03:04:06.000Z", "2026-01-02T03:04:09.500Z"]


def real_studies(corpus: RecordedCorpus) -> list[dict]:
    """The served set's studies (47 shared, 38 packaged), by NCT id."""
    return corpus.studies()


def write_pages(run: RawRun, pages: list[bytes], n_records: list[int]) -> None:
    for i, (body, n) in enumerate(zip(pages, n_records, strict=True)):
        run.write_page(
            f"page-{i + 1:06d}.json",
            body,
            Origin(
                "https://clinicaltrials.gov/api/v2/studies",
                {"query.cond": "migraine", "pageSize": 1000},
                200,
                FETCHED[i],
            ),
            n_records=n,
        )


@pytest.fixture
def raw_run(tmp_path: Path, corpus: RecordedCorpus) -> RawRun:
    studies = real_studies(corpus)
    half = len(studies) // 2
    run = RawZone(tmp_path / "raw").start_run("ctgov", RUN_ID)
    write_pages(
        run,
        [
            orjson.dumps({"studies": studies[:half], "nextPageToken": "t1"}),
            orjson.dumps({"studies": studies[half:]}),
        ],
        [half, len(studies) - half],
    )
    run.finish(
        {"data_timestamp": "2026-01-01T09:00:00", "total_count": len(studies), "n_records": len(studies)}
    )
    return run


def test_run_writes_every_table_with_its_exact_schema(
    raw_run: RawRun, tmp_path: Path, corpus: RecordedCorpus
) -> None:
    out = tmp_path / "parquet" / "ctgov"
    summary = normalise_run(raw_run, out)
    studies = real_studies(corpus)
    assert summary.n_studies == len(studies)
    assert summary.n_pages == 2
    for name, schema in TABLES.items():
        path = partition_dir(out, name, RUN_ID) / PART_FILE
        table = pq.read_table(path, partitioning=None)
        assert table.schema.equals(schema), name
        assert table.num_rows == summary.rows[name], name
    trials = pq.read_table(partition_dir(out, "trials", RUN_ID) / PART_FILE, partitioning=None)
    expected_ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert trials.column("nct_id").to_pylist() == expected_ids
    assert set(trials.column("run_id").to_pylist()) == {RUN_ID}
    assert set(trials.column("data_timestamp").to_pylist()) == {"2026-01-01T09:00:00"}
    fetched = trials.column("fetched_at").to_pylist()
    assert fetched[0] == datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC)
    assert fetched[-1] == datetime(2026, 1, 2, 3, 4, 9, 500000, tzinfo=UTC)
    measures = [
        m
        for s in studies
        for m in s.get("resultsSection", {}).get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
    ]
    assert summary.rows["result_outcomes"] == len(measures) > 0
    assert summary.rows["result_analyses"] == sum(len(m.get("analyses", [])) for m in measures)
    assert summary.unknown_values == {}
    assert summary.as_record()["rows"] == summary.rows
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]


def test_normalising_again_replaces_the_partition(raw_run: RawRun, tmp_path: Path) -> None:
    out = tmp_path / "parquet" / "ctgov"
    first = normalise_run(raw_run, out)
    stray = partition_dir(out, "trials", RUN_ID) / "stray.txt"
    stray.write_text("from the earlier partition")
    second = normalise_run(raw_run, out)
    assert second.rows == first.rows
    assert not stray.exists()
    assert sorted(p.name for p in (out / "trials").iterdir()) == [f"run_id={RUN_ID}"]


def test_incomplete_run_is_refused(tmp_path: Path, corpus: RecordedCorpus) -> None:
    run = RawZone(tmp_path / "raw").start_run("ctgov", RUN_ID)
    write_pages(run, [orjson.dumps({"studies": real_studies(corpus)[:2]})], [2])
    with pytest.raises(RawZoneError, match="incomplete"):
        normalise_run(run, tmp_path / "parquet")
    assert not (tmp_path / "parquet").exists()


def test_a_bad_page_leaves_no_partition(tmp_path: Path, corpus: RecordedCorpus) -> None:
    run = RawZone(tmp_path / "raw").start_run("ctgov", RUN_ID)
    write_pages(run, [orjson.dumps({"studies": real_studies(corpus)[:3]}), b'{"studies": [{'], [3, 1])
    run.finish({"data_timestamp": None})
    out = tmp_path / "parquet"
    with pytest.raises(NormaliseError, match=r"page-000002\.json\.gz: not valid JSON"):
        normalise_run(run, out)
    assert [p for p in out.rglob("*") if p.is_file()] == []


def test_a_failed_rerun_keeps_the_previous_partition(raw_run: RawRun, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    normalise_run(raw_run, out)
    before = pq.read_table(partition_dir(out, "trials", RUN_ID) / PART_FILE).num_rows
    (raw_run.path / "page-000002.json.gz").write_bytes(b"not gzip")
    with pytest.raises(RawZoneError, match="unreadable"):
        normalise_run(raw_run, out)
    assert pq.read_table(partition_dir(out, "trials", RUN_ID) / PART_FILE).num_rows == before
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
