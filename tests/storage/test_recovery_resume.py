"""Which cut-off run a fetch may resume, and the raw-raw_zone moves a resume makes (adopt, drop, mark)."""

from __future__ import annotations

import gzip
import os

import pytest

from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.raw.zone import PAGES_LOG, STARTED, TAKEN_OVER, RawRun, RawZone
from pipeline.runs.recovery import incomplete_raw_runs, resume_candidate
from tests.storage.test_raw_zone import write

BODY_1 = b'{"studies": [], "totalCount": 0, "nextPageToken": "t1"}'
BODY_2 = b'{"studies": [{"x": 1}]}'
PLAN = {"base_url": "https://example.test/api/v2", "mode": "full", "request_params": {"pageSize": 10}}
OLD, MIDDLE, NEW, NOW = (f"20261121T0{h}0000Z-abcd" for h in (1, 2, 3, 4))


def cut_off(raw_zone: RawZone, run_id: str, source: str = "ctgov", plan: bool = True) -> RawRun:
    """A run that recorded its plan and stored a page, then died (no manifest)."""
    run = raw_zone.start_run(source, run_id)
    if plan:
        run.write_started("2026-11-21T01:00:00.000Z", PLAN)
    write(run, "page-000001.json", BODY_1)
    return run


def complete(raw_zone: RawZone, run_id: str, source: str = "ctgov") -> RawRun:
    run = cut_off(raw_zone, run_id, source)
    run.finish({"total_count": 0, "n_records": 0})
    return run


def candidate_id(folder_settings: Settings, source: str, exclude: str) -> str | None:
    """The run ``resume_candidate`` offers, by id (a RawRun also compares its cached page list)."""
    run = resume_candidate(folder_settings, source, exclude)
    return run.run_id if run else None


# -- resume_candidate ----------------------------------------------------------------------------------


def test_the_newest_cut_off_run_after_the_last_complete_one_is_offered(
    raw_zone: RawZone, folder_settings: Settings
) -> None:
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None
    complete(raw_zone, OLD)
    cut_off(raw_zone, MIDDLE)
    newest = cut_off(raw_zone, NEW)
    raw_zone.start_run("ctgov", NOW)  # the run now fetching: never its own donor
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) == newest.run_id
    assert candidate_id(folder_settings, "pubmed", exclude=NOW) is None  # per source


def test_a_cut_off_run_older_than_a_complete_run_is_not_offered(
    raw_zone: RawZone, folder_settings: Settings
) -> None:
    cut_off(raw_zone, OLD)
    complete(raw_zone, MIDDLE)
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == [f"ctgov:{OLD}"]  # still reported as unused


def test_only_the_newest_cut_off_run_is_offered(raw_zone: RawZone, folder_settings: Settings) -> None:
    """An older cut-off run was passed over (or taken over) by the newer one: never offered again."""
    cut_off(raw_zone, OLD)
    newest = cut_off(raw_zone, NEW)
    newest.mark_taken_over(NOW, 1)
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None
    (newest.path / TAKEN_OVER).unlink()
    (newest.path / STARTED).unlink()  # a run from before plans were recorded cannot be resumed
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None


def test_the_run_itself_is_never_offered(raw_zone: RawZone, folder_settings: Settings) -> None:
    own = cut_off(raw_zone, NOW)
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None
    assert candidate_id(folder_settings, "ctgov", exclude="20261121T050000Z-ffff") == own.run_id


def test_a_torn_taken_over_marker_still_counts(raw_zone: RawZone, folder_settings: Settings) -> None:
    run = cut_off(raw_zone, NEW)
    (run.path / TAKEN_OVER).write_bytes(b'{"by_run_id": "2026')
    assert run.taken_over_by() == "?"
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) is None
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == []


# -- incomplete_raw_runs -------------------------------------------------------------------------------


def test_incomplete_runs_leave_out_complete_taken_over_empty_and_current_runs(
    raw_zone: RawZone, folder_settings: Settings
) -> None:
    complete(raw_zone, OLD)
    cut_off(raw_zone, OLD, source="pubmed")
    cut_off(raw_zone, MIDDLE).mark_taken_over(NEW, 1)
    cut_off(raw_zone, NEW)
    raw_zone.start_run("ctgov", "20261121T035000Z-0000")  # created, nothing written
    cut_off(raw_zone, NOW)
    assert incomplete_raw_runs(folder_settings, ("ctgov", "pubmed"), exclude=NOW) == [
        f"ctgov:{NEW}",
        f"pubmed:{OLD}",
    ]


# -- the raw-raw_zone moves of a resume --------------------------------------------------------------------


def test_adopt_page_hard_links_and_names_the_run_that_fetched_it(raw_zone: RawZone) -> None:
    first = cut_off(raw_zone, OLD)
    second = raw_zone.start_run("ctgov", MIDDLE)
    third = raw_zone.start_run("ctgov", NEW)
    (record,) = first.pages()
    adopted = second.adopt_page(first, record)
    assert adopted.adopted_from == OLD and adopted.fetched_at == record.fetched_at
    assert os.path.samefile(second.path / record.file, first.path / record.file)
    # Taken over again from the second run: still the first one's response.
    assert third.adopt_page(second, adopted).adopted_from == OLD
    reopened = raw_zone.open_run("ctgov", NEW)
    assert [r.adopted_from for r in reopened.pages()] == [OLD]
    assert reopened.read_body(reopened.pages()[0]) == BODY_1
    assert "adopted_from" not in record.as_json() and adopted.as_json()["adopted_from"] == OLD


def test_adopt_page_copies_where_links_are_impossible(
    raw_zone: RawZone, monkeypatch: pytest.MonkeyPatch
) -> None:
    donor = cut_off(raw_zone, OLD)
    run = raw_zone.start_run("ctgov", NEW)

    def no_links(*_args: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    (record,) = donor.pages()
    run.adopt_page(donor, record)
    assert not os.path.samefile(run.path / record.file, donor.path / record.file)
    assert run.read_body(run.pages()[0]) == BODY_1


def test_drop_pages_forgets_only_the_named_pages_and_spares_the_donor(raw_zone: RawZone) -> None:
    donor = cut_off(raw_zone, OLD)
    run = raw_zone.start_run("ctgov", NEW)
    run.adopt_page(donor, donor.pages()[0])
    write(run, "page-000002.json", BODY_2)
    run.drop_pages(["page-000001.json.gz"])
    for view in (run, raw_zone.open_run("ctgov", NEW)):
        assert [p.file for p in view.pages()] == ["page-000002.json.gz"]
    assert sorted(p.name for p in run.path.glob("*.gz")) == ["page-000002.json.gz"]
    assert len((run.path / PAGES_LOG).read_bytes().splitlines()) == 1
    assert donor.read_body(donor.pages()[0]) == BODY_1


def test_started_and_taken_over_round_trip(raw_zone: RawZone) -> None:
    run = raw_zone.start_run("ctgov", NEW)
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


def test_a_damaged_deflate_stream_is_a_raw_zone_error(raw_zone: RawZone) -> None:
    """Not a zlib.error: a resume checking a cut-off run's pages must see it as 'not stored whole'."""
    run = cut_off(raw_zone, OLD)
    (record,) = run.pages()
    path = run.path / record.file
    data = bytearray(gzip.compress(os.urandom(1000) + b"x" * 3000))
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RawZoneError, match="raw page unreadable"):
        run.read_body(record)


def test_a_run_that_died_before_its_first_response_does_not_hide_an_older_cut_off_run(
    raw_zone: RawZone, folder_settings: Settings
) -> None:
    """It recorded its plan and then nothing: it never looked at the older run's pages."""
    older = cut_off(raw_zone, MIDDLE)
    raw_zone.start_run("ctgov", NEW).write_started("2026-11-21T03:00:00.000Z", PLAN)
    assert candidate_id(folder_settings, "ctgov", exclude=NOW) == older.run_id
    assert incomplete_raw_runs(folder_settings, ("ctgov",), exclude=NOW) == [f"ctgov:{MIDDLE}"]
