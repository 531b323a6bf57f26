"""Which cut-off run a fetch may resume, and the raw-zone moves a resume makes (adopt, drop, mark)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from pipeline.config import Settings, StorageSettings, TreatmentClass
from pipeline.errors import RawZoneError
from pipeline.recovery import incomplete_raw_runs, resume_candidate
from pipeline.storage.raw_zone import PAGES_LOG, STARTED, TAKEN_OVER, RawRun, RawZone

BODY_1 = b'{"studies": [], "totalCount": 0, "nextPageToken": "t1"}'
BODY_2 = b'{"studies": [{"x": 1}]}'
PLAN = {"base_url": "https://example.test/api/v2", "mode": "full", "request_params": {"pageSize": 10}}
OLD, MIDDLE, NEW, NOW = (f"20261121T0{h}0000Z-abcd" for h in (1, 2, 3, 4))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        storage=StorageSettings(data_dir=tmp_path / "data"),
        treatment_classes={"gepant": TreatmentClass(label="Gepants", terms=["gepant"])},
    )


@pytest.fixture
def zone(settings: Settings) -> RawZone:
    return RawZone(settings.raw_dir)


def write(run: RawRun, name: str, body: bytes) -> None:
    run.write_page(
        name,
        body,
        url="https://example.test/api/v2/studies",
        params={"pageSize": 10},
        http_status=200,
        fetched_at="2026-11-21T01:00:00.000Z",
        n_records=0,
    )


def cut_off(zone: RawZone, run_id: str, source: str = "ctgov", plan: bool = True) -> RawRun:
    """A run that recorded its plan and stored a page, then died (no manifest)."""
    run = zone.start_run(source, run_id)
    if plan:
        run.write_started("2026-11-21T01:00:00.000Z", PLAN)
    write(run, "page-000001.json", BODY_1)
    return run


def complete(zone: RawZone, run_id: str, source: str = "ctgov") -> RawRun:
    run = cut_off(zone, run_id, source)
    run.finish({"total_count": 0, "n_records": 0})
    return run


def candidate_id(settings: Settings, source: str, exclude: str) -> str | None:
    """The run ``resume_candidate`` offers, by id (a RawRun also compares its cached page list)."""
    run = resume_candidate(settings, source, exclude)
    return run.run_id if run else None


# -- resume_candidate ----------------------------------------------------------------------------------


def test_the_newest_cut_off_run_after_the_last_complete_one_is_offered(
    zone: RawZone, settings: Settings
) -> None:
    assert candidate_id(settings, "ctgov", exclude=NOW) is None
    complete(zone, OLD)
    cut_off(zone, MIDDLE)
    newest = cut_off(zone, NEW)
    zone.start_run("ctgov", NOW)  # the run now fetching: never its own donor
    assert candidate_id(settings, "ctgov", exclude=NOW) == newest.run_id
    assert candidate_id(settings, "pubmed", exclude=NOW) is None  # per source


def test_a_cut_off_run_older_than_a_complete_run_is_not_offered(zone: RawZone, settings: Settings) -> None:
    cut_off(zone, OLD)
    complete(zone, MIDDLE)
    assert candidate_id(settings, "ctgov", exclude=NOW) is None
    assert incomplete_raw_runs(settings, ("ctgov",)) == [f"ctgov:{OLD}"]  # still reported as unused


def test_only_the_newest_cut_off_run_is_offered(zone: RawZone, settings: Settings) -> None:
    """An older cut-off run was passed over (or taken over) by the newer one: never offered again."""
    cut_off(zone, OLD)
    newest = cut_off(zone, NEW)
    newest.mark_taken_over(NOW, 1)
    assert candidate_id(settings, "ctgov", exclude=NOW) is None
    (newest.path / TAKEN_OVER).unlink()
    (newest.path / STARTED).unlink()  # a run from before plans were recorded cannot be resumed
    assert candidate_id(settings, "ctgov", exclude=NOW) is None


def test_the_run_itself_is_never_offered(zone: RawZone, settings: Settings) -> None:
    own = cut_off(zone, NOW)
    assert candidate_id(settings, "ctgov", exclude=NOW) is None
    assert candidate_id(settings, "ctgov", exclude="20261121T050000Z-ffff") == own.run_id


def test_a_torn_taken_over_marker_still_counts(zone: RawZone, settings: Settings) -> None:
    run = cut_off(zone, NEW)
    (run.path / TAKEN_OVER).write_bytes(b'{"by_run_id": "2026')
    assert run.taken_over_by() == "?"
    assert candidate_id(settings, "ctgov", exclude=NOW) is None
    assert incomplete_raw_runs(settings, ("ctgov",)) == []


# -- incomplete_raw_runs -------------------------------------------------------------------------------


def test_incomplete_runs_leave_out_complete_taken_over_empty_and_current_runs(
    zone: RawZone, settings: Settings
) -> None:
    complete(zone, OLD)
    cut_off(zone, OLD, source="pubmed")
    cut_off(zone, MIDDLE).mark_taken_over(NEW, 1)
    cut_off(zone, NEW)
    zone.start_run("ctgov", "20261121T035000Z-0000")  # created, nothing written
    cut_off(zone, NOW)
    assert incomplete_raw_runs(settings, ("ctgov", "pubmed"), exclude=NOW) == [
        f"ctgov:{NEW}",
        f"pubmed:{OLD}",
    ]


# -- the raw-zone moves of a resume --------------------------------------------------------------------


def test_adopt_page_hard_links_and_names_the_run_that_fetched_it(zone: RawZone) -> None:
    first = cut_off(zone, OLD)
    second = zone.start_run("ctgov", MIDDLE)
    third = zone.start_run("ctgov", NEW)
    (record,) = first.pages()
    adopted = second.adopt_page(first, record)
    assert adopted.adopted_from == OLD and adopted.fetched_at == record.fetched_at
    assert os.path.samefile(second.path / record.file, first.path / record.file)
    # Taken over again from the second run: still the first one's response.
    assert third.adopt_page(second, adopted).adopted_from == OLD
    reopened = zone.open_run("ctgov", NEW)
    assert [r.adopted_from for r in reopened.pages()] == [OLD]
    assert reopened.read_body(reopened.pages()[0]) == BODY_1
    assert "adopted_from" not in record.as_json() and adopted.as_json()["adopted_from"] == OLD


def test_adopt_page_copies_where_links_are_impossible(zone: RawZone, monkeypatch: pytest.MonkeyPatch) -> None:
    donor = cut_off(zone, OLD)
    run = zone.start_run("ctgov", NEW)

    def no_links(*_args: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    (record,) = donor.pages()
    run.adopt_page(donor, record)
    assert not os.path.samefile(run.path / record.file, donor.path / record.file)
    assert run.read_body(run.pages()[0]) == BODY_1


def test_drop_pages_forgets_only_the_named_pages_and_spares_the_donor(zone: RawZone) -> None:
    donor = cut_off(zone, OLD)
    run = zone.start_run("ctgov", NEW)
    run.adopt_page(donor, donor.pages()[0])
    write(run, "page-000002.json", BODY_2)
    run.drop_pages(["page-000001.json.gz"])
    for view in (run, zone.open_run("ctgov", NEW)):
        assert [p.file for p in view.pages()] == ["page-000002.json.gz"]
    assert sorted(p.name for p in run.path.glob("*.gz")) == ["page-000002.json.gz"]
    assert len((run.path / PAGES_LOG).read_bytes().splitlines()) == 1
    assert donor.read_body(donor.pages()[0]) == BODY_1


def test_started_and_taken_over_round_trip(zone: RawZone) -> None:
    run = zone.start_run("ctgov", NEW)
    assert run.started() is None and run.taken_over_by() is None
    run.write_started("2026-11-21T03:00:00.000Z", PLAN, open_end="2026-11-22")
    started = run.started()
    assert started is not None
    assert started["plan"] == PLAN and started["open_end"] == "2026-11-22" and started["run_id"] == NEW
    run.mark_taken_over(NOW, 3)
    assert run.taken_over_by() == NOW
    (run.path / STARTED).write_bytes(b'{"plan": [1, 2]}')
    assert run.started() is None
    (run.path / STARTED).write_bytes(b'{"plan": {"mo')
    assert run.started() is None


def test_a_damaged_deflate_stream_is_a_raw_zone_error(zone: RawZone) -> None:
    """Not a zlib.error: a resume checking a cut-off run's pages must see it as 'not stored whole'."""
    run = cut_off(zone, OLD)
    (record,) = run.pages()
    path = run.path / record.file
    data = bytearray(gzip.compress(os.urandom(1000) + b"x" * 3000))
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RawZoneError, match="raw page unreadable"):
        run.read_body(record)


def test_a_run_that_died_before_its_first_response_does_not_hide_an_older_cut_off_run(
    zone: RawZone, settings: Settings
) -> None:
    """It recorded its plan and then nothing: it never looked at the older run's pages."""
    older = cut_off(zone, MIDDLE)
    zone.start_run("ctgov", NEW).write_started("2026-11-21T03:00:00.000Z", PLAN)
    assert candidate_id(settings, "ctgov", exclude=NOW) == older.run_id
    assert incomplete_raw_runs(settings, ("ctgov",), exclude=NOW) == [f"ctgov:{MIDDLE}"]
