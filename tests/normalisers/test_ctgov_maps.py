"""Canonical value maps: phase, status, partial dates, result numbers and enum checks."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.sources.ctgov.normalise.dates import parse_partial_date
from pipeline.sources.ctgov.normalise.enums import ALLOWED, check
from pipeline.sources.ctgov.normalise.numbers import parse_number, parse_p_value
from pipeline.sources.ctgov.normalise.phase import CANONICAL_PHASES, canonical_phase
from pipeline.sources.ctgov.normalise.status import STATUS_GROUPS, status_group


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["EARLY_PHASE1"], ("EARLY_PHASE1", None)),
        (["PHASE1"], ("PHASE1", None)),
        (["PHASE2"], ("PHASE2", None)),
        (["PHASE3"], ("PHASE3", None)),
        (["PHASE4"], ("PHASE4", None)),
        (["NA"], ("NA", None)),
        (["PHASE1", "PHASE2"], ("PHASE1/PHASE2", None)),
        (["PHASE2", "PHASE3"], ("PHASE2/PHASE3", None)),
        (["PHASE3", "PHASE2"], ("PHASE2/PHASE3", None)),
        (None, (None, None)),
        ([], (None, None)),
        (["PHASE5"], (None, "phases=PHASE5")),
        (["PHASE1", "PHASE3"], (None, "phases=PHASE1,PHASE3")),
        (["PHASE2", "FOO"], (None, "phases=PHASE2,FOO")),
    ],
)
def test_canonical_phase(phases: list[str] | None, expected: tuple[str | None, str | None]) -> None:
    assert canonical_phase(phases) == expected


def test_every_canonical_phase_is_reachable() -> None:
    produced = {canonical_phase([p])[0] for p in CANONICAL_PHASES if "/" not in p}
    produced |= {canonical_phase(p.split("/"))[0] for p in CANONICAL_PHASES if "/" in p}
    assert produced == set(CANONICAL_PHASES)


@pytest.mark.parametrize(
    ("status", "group"),
    [
        ("NOT_YET_RECRUITING", "ongoing"),
        ("RECRUITING", "ongoing"),
        ("ENROLLING_BY_INVITATION", "ongoing"),
        ("ACTIVE_NOT_RECRUITING", "ongoing"),
        ("COMPLETED", "completed"),
        ("TERMINATED", "ended_early"),
        ("WITHDRAWN", "ended_early"),
        ("SUSPENDED", "ended_early"),
        ("UNKNOWN", "other"),
        ("AVAILABLE", "other"),
        ("NO_LONGER_AVAILABLE", "other"),
        ("TEMPORARILY_NOT_AVAILABLE", "other"),
        ("APPROVED_FOR_MARKETING", "other"),
        ("WITHHELD", "other"),
    ],
)
def test_status_group_known(status: str, group: str) -> None:
    assert status_group(status) == (group, None)


def test_status_map_covers_the_fourteen_registry_statuses() -> None:
    assert len(STATUS_GROUPS) == 14


def test_status_missing_is_other_and_unreported() -> None:
    assert status_group(None) == ("other", None)


def test_status_unknown_is_other_and_reported() -> None:
    assert status_group("PAUSED") == ("other", "overallStatus=PAUSED")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2015-07-14", (date(2015, 7, 14), "day")),
        ("2015-07", (date(2015, 7, 1), "month")),
        ("2015", (date(2015, 1, 1), "year")),
        ("2015-13", (None, None)),
        ("2015-02-30", (None, None)),
        ("July 2015", (None, None)),
        ("2015-7", (None, None)),
        ("2019-05-16T06:59", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
        (2015, (None, None)),
    ],
)
def test_parse_partial_date(raw: object, expected: tuple[date | None, str | None]) -> None:
    assert parse_partial_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19.63", 19.63),
        ("-0.4", -0.4),
        ("1e-3", 0.001),
        ("NA", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_number(raw: str | None, expected: float | None) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<0.001", 0.001),
        ("< 0.0001", 0.0001),
        ("=0.247", 0.247),
        ("0.03", 0.03),
        (">0.05", 0.05),
        ("≤0.05", 0.05),
        ("p<.05", 0.05),
        ("NS", None),
        (None, None),
    ],
)
def test_parse_p_value_keeps_the_bound(raw: str | None, expected: float | None) -> None:
    assert parse_p_value(raw) == expected


def test_enum_check_reports_only_unknown_values() -> None:
    unknown: list[str] = []
    assert check("studyType", "INTERVENTIONAL", unknown) == "INTERVENTIONAL"
    assert check("studyType", None, unknown) is None
    assert check("interventions.type", "TELEPATHY", unknown) == "TELEPATHY"
    assert unknown == ["interventions.type=TELEPATHY"]


def test_enum_lists_match_the_config_intervention_types() -> None:
    from typing import get_args

    from pipeline.config import INTERVENTION_TYPES

    assert set(get_args(INTERVENTION_TYPES)) == ALLOWED["interventions.type"]
