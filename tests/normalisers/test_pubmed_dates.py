"""PubMed partial dates: first day and precision of journal dates, seasons and free-text MedlineDate."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from pipeline.sources.pubmed.normalise.dates import parse_medline_date, parse_pub_date, parse_ymd


@pytest.mark.parametrize(
    ("text", "expected", "precision", "year"),
    [
        ("2015 Jul-Aug", date(2015, 7, 1), "month", 2015),
        ("1998 Dec-1999 Jan", date(1998, 12, 1), "month", 1998),
        ("2009 Oct 15-21", date(2009, 10, 15), "day", 2009),
        ("2012 Jul 5-Aug 2", date(2012, 7, 5), "day", 2012),
        ("1975-1976", date(1975, 1, 1), "year", 1975),
        ("2000 Spring", date(2000, 1, 1), "year", 2000),
        ("2001 1st Quart", date(2001, 1, 1), "year", 2001),
        ("Fall 2001", date(2001, 1, 1), "year", 2001),
        ("2016 Feb 30-Mar 2", date(2016, 2, 1), "month", 2016),  # no 30 February: keep the month
    ],
)
def test_medline_date_gives_the_first_day_of_the_period(
    text: str, expected: date, precision: str, year: int
) -> None:
    parsed = parse_medline_date(text)
    assert (parsed.raw, parsed.value, parsed.precision, parsed.year) == (text, expected, precision, year)


def test_medline_date_without_a_year_keeps_only_the_text() -> None:
    parsed = parse_medline_date("Undated")
    assert (parsed.raw, parsed.value, parsed.precision, parsed.year) == ("Undated", None, None, None)


def _pub_date(inner: str) -> etree._Element:
    return etree.fromstring(f"<PubDate>{inner}</PubDate>")


@pytest.mark.parametrize(
    ("inner", "raw", "expected", "precision"),
    [
        ("<Year>2018</Year><Month>Dec</Month><Day>11</Day>", "2018 Dec 11", date(2018, 12, 11), "day"),
        ("<Year>2017</Year><Month>06</Month>", "2017 06", date(2017, 6, 1), "month"),
        ("<Year>2025</Year>", "2025", date(2025, 1, 1), "year"),
        ("<Year>1990</Year><Season>Spring</Season>", "1990 Spring", date(1990, 1, 1), "year"),
        ("<Year>2018</Year><Season>Jan-Feb</Season>", "2018 Jan-Feb", date(2018, 1, 1), "month"),
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", "1998 Dec-1999 Jan", date(1998, 12, 1), "month"),
        ("<Year>2019</Year><Month>Feb</Month><Day>31</Day>", "2019 Feb 31", date(2019, 2, 1), "month"),
        ("<Year>2019</Year><Month>Smarch</Month>", "2019 Smarch", date(2019, 1, 1), "year"),
        ("\n  <Year>2017</Year>\n  <Month>Nov</Month>\n", "2017 Nov", date(2017, 11, 1), "month"),
    ],
)
def test_pub_date_elements(inner: str, raw: str, expected: date, precision: str) -> None:
    parsed = parse_pub_date(_pub_date(inner))
    assert (parsed.raw, parsed.value, parsed.precision, parsed.year) == (
        raw,
        expected,
        precision,
        expected.year,
    )


def test_missing_or_empty_pub_date_is_null() -> None:
    for elem in (None, _pub_date(""), _pub_date("<Year>20x8</Year>")):
        parsed = parse_pub_date(elem)
        assert (parsed.value, parsed.precision, parsed.year) == (None, None, None)


def test_date_revised_needs_a_valid_full_date() -> None:
    full = etree.fromstring("<DateRevised><Year>2026</Year><Month>05</Month><Day>18</Day></DateRevised>")
    partial = etree.fromstring("<DateRevised><Year>2026</Year><Month>05</Month></DateRevised>")
    invalid = etree.fromstring("<DateRevised><Year>2026</Year><Month>02</Month><Day>30</Day></DateRevised>")
    assert parse_ymd(full) == date(2026, 5, 18)
    assert parse_ymd(partial) is None
    assert parse_ymd(invalid) is None
    assert parse_ymd(None) is None
