"""The raw zone keeps bodies byte for byte and never lets a half-written run pass as complete."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.errors import RawZoneError
from pipeline.raw.zone import PAGES_LOG, Origin, RawRun, RawZone, new_run_id

BODY_1 = b'{"studies": [], "totalCount": 0}'
BODY_2 = b'{"studies": [{"x": 1}]}'


def write(run: RawRun, name: str, body: bytes, kind: str = "page", n: int = 0) -> None:
    run.write_page(
        name,
        body,
        Origin("https://example.test/api/v2/studies", {"pageSize": 10}, 200, "2026-11-21T12:00:00.000Z"),
        n_records=n,
        kind=kind,
    )


@pytest.fixture
def zone(tmp_path: Path) -> RawZone:
    return RawZone(tmp_path / "raw")


def test_pages_round_trip_gzipped_with_sha256(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "version.json", BODY_1, kind="version")
    write(run, "page-000001.json", BODY_2, n=1)
    assert gzip.decompress((run.path / "page-000001.json.gz").read_bytes()) == BODY_2
    reopened = zone.open_run("ctgov", run.run_id)  # reads the append log, not memory
    records = reopened.pages()
    assert [r.file for r in records] == ["version.json.gz", "page-000001.json.gz"]
    assert records[1].sha256 == hashlib.sha256(BODY_2).hexdigest()
    assert [body for _, body in reopened.iter_bodies("page")] == [BODY_2]
    assert [body for _, body in reopened.iter_bodies()] == [BODY_1, BODY_2]


def test_a_torn_last_log_line_is_ignored(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1)
    write(run, "page-000002.json", BODY_2)
    with open(run.path / PAGES_LOG, "ab") as log:
        log.write(b'{"file": "page-000003.json.gz", "url": "htt')  # the crash came mid-line
    assert [r.file for r in zone.open_run("ctgov", run.run_id).pages()] == [
        "page-000001.json.gz",
        "page-000002.json.gz",
    ]


def test_a_rewritten_page_replaces_the_earlier_one(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1)
    write(run, "page-000001.json", BODY_2)
    for view in (run, zone.open_run("ctgov", run.run_id)):
        (record,) = view.pages()
        assert record.sha256 == hashlib.sha256(BODY_2).hexdigest()
        assert view.read_body(record) == BODY_2


def test_sha256_mismatch_is_detected(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1)
    (run.path / "page-000001.json.gz").write_bytes(gzip.compress(BODY_2))
    (record,) = run.pages()
    with pytest.raises(RawZoneError, match="does not match its recorded sha256"):
        run.read_body(record)


def test_missing_or_corrupt_page_files_are_reported(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1)
    write(run, "page-000002.json", BODY_2)
    first, second = run.pages()
    (run.path / first.file).unlink()
    (run.path / second.file).write_bytes(b"not gzip at all")
    with pytest.raises(RawZoneError, match="raw page missing"):
        run.read_body(first)
    with pytest.raises(RawZoneError, match="raw page unreadable"):
        run.read_body(second)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:10] + b"\xff" * 8 + data[18:], id="damaged deflate stream"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-8] + b"\0\0\0\0" + data[-4:], id="wrong crc32"),
    ],
)
def test_a_damaged_gzip_stream_is_reported(zone: RawZone, damage: Callable[[bytes], bytes]) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1 * 50)
    (record,) = run.pages()
    path = run.path / record.file
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(RawZoneError, match="raw page unreadable"):
        run.read_body(record)


def test_any_standard_gzip_file_reads_back(zone: RawZone) -> None:
    """The reader is not the standard library's: files it did not write (a copied run, several gzip
    members, another compression level) still read as the standard library reads them."""
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1 + BODY_2)
    (record,) = run.pages()
    path = run.path / record.file
    path.write_bytes(gzip.compress(BODY_1, compresslevel=9) + gzip.compress(BODY_2, compresslevel=1))
    assert run.read_body(record) == gzip.decompress(path.read_bytes()) == BODY_1 + BODY_2


def test_a_body_size_is_known_without_reading_the_body(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1 * 1000)
    write(run, "page-000002.json", BODY_2)
    first, second = zone.open_run("ctgov", run.run_id).pages()
    assert run.body_size(first) == len(BODY_1) * 1000 and run.body_size(second) == len(BODY_2)
    (run.path / second.file).unlink()
    assert run.body_size(second) == 0  # unreadable: read_body says so when its turn comes


def test_unwritable_folder_raises_raw_zone_error(tmp_path: Path) -> None:
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the raw zone should be")
    with pytest.raises(RawZoneError, match="cannot create raw zone folder"):
        RawZone(blocker).start_run("ctgov", "20261121T120000Z-abcd")


def test_writing_into_a_vanished_run_folder_raises_raw_zone_error(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    shutil.rmtree(run.path)
    with pytest.raises(RawZoneError, match="cannot write raw page"):
        write(run, "page-000001.json", BODY_1)


def test_only_finished_runs_are_complete_oldest_first(zone: RawZone) -> None:
    ids = [new_run_id(datetime(2026, 11, day, 3, 0, tzinfo=UTC)) for day in (20, 18, 21, 19)]
    runs = {run_id: zone.start_run("ctgov", run_id) for run_id in ids}
    for run_id in ids[:3]:
        write(runs[run_id], "page-000001.json", BODY_1)
        runs[run_id].finish({"total_count": 0, "n_records": 0})
    assert [r.run_id for r in zone.complete_runs("ctgov")] == sorted(ids[:3])
    assert [r.run_id for r in zone.runs("ctgov")] == sorted(ids)
    assert zone.complete_runs("pubmed") == []


def test_manifest_lists_pages_and_summary(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_2, n=1)
    assert not run.complete
    with pytest.raises(RawZoneError, match="is incomplete"):
        run.manifest()
    manifest = run.finish({"total_count": 1, "n_records": 1})
    assert run.complete
    assert manifest["complete"] is True
    assert manifest["run_id"] == run.run_id
    assert [p["file"] for p in manifest["pages"]] == ["page-000001.json.gz"]
    assert zone.open_run("ctgov", run.run_id).manifest() == manifest


def test_corrupt_manifest_and_unknown_run_are_reported(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    (run.path / "manifest.json").write_bytes(b'{"complete": tr')
    with pytest.raises(RawZoneError, match="is corrupt"):
        run.manifest()
    with pytest.raises(RawZoneError, match="no raw run"):
        zone.open_run("ctgov", "20990101T000000Z-0000")


def test_reset_pages_forgets_an_earlier_attempt(zone: RawZone) -> None:
    run = zone.start_run("ctgov", "20261121T120000Z-abcd")
    write(run, "page-000001.json", BODY_1)
    write(run, "page-000002.json", BODY_2)
    run.reset_pages()
    assert run.pages() == []
    assert list(run.path.iterdir()) == []
    assert zone.open_run("ctgov", run.run_id).pages() == []
