"""Time windows in one normal form, and the hours an outcome states."""

from __future__ import annotations

import pytest

from pipeline.outcomes.time_windows import stated_hours, time_window


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Weeks 9 to 12", "weeks 9-12"),
        ("Baseline to Weeks 9-12", "weeks 9-12"),
        ("9-12 weeks after the first dose", "weeks 9-12"),
        ("Baseline to Months 4 to 6", "months 4-6"),
        ("Change in the Last 4 Weeks of the DBT Phase", "last 4 weeks of double-blind phase"),
        ("Across the 12-Week Treatment Period", "12-week period"),
        ("Baseline, Week 4", "week 4"),
        ("Month 3", "month 3"),
        ("2 hours post-dose", "2 hours post dose"),
        ("Two hours after the initial dose", "2 hours post dose"),
        ("Up to 48 hours post-dose", "up to 48 hours post dose"),
        ("Sustained from 2 to 24 hours", "hours 2-24"),
        ("1 hour", "1 hour"),
        ("Half annually for three years", None),
        (None, None),
    ],
)
def test_time_window(text, window):
    assert time_window(text) == window


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Pain freedom at 2 hours", {2.0}),
        ("2-hour pain freedom", {2.0}),
        ("Sustained pain freedom from 2 to 24 hours", {2.0, 24.0}),
        ("0.5, 1, 1.5, 2, 3 and 4 hours", {0.5, 1.0, 1.5, 2.0, 3.0, 4.0}),
        ("at 120 minutes", {2.0}),
        ("Two hours post-dose", {2.0}),
        ("Weeks 9-12", set()),
        ("Headache days per month", set()),
    ],
)
def test_stated_hours(text, hours):
    assert stated_hours(text) == hours
