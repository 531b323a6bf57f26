"""The report in a real browser: headless Chromium (Debian's package) opens index.html over file:// with
the network unused, draws every chart without a script error, runs none of the registry's script, and
sorts and filters the trial lists. A screenshot is left in the test's tmp folder.

Skipped, saying why, when Playwright or Chromium is missing; CI installs Chromium in .ci/run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.report.report_warehouse import HOSTILE_LABEL, HOSTILE_NCT, HOSTILE_TITLE

CHROMIUM = Path(os.environ.get("EVIDENCE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
# Playwright gives Chromium its own temporary profile (it refuses --user-data-dir among the arguments).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CHART_CHECK = """() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(box => {
    const svg = box.querySelector('svg');
    const rect = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {
        id: box.dataset.chart,
        rendered: box.dataset.rendered === 'true',
        width: rect.width,
        height: rect.height,
        marks: box.querySelectorAll('.role-mark > *').length,
        text: svg ? svg.textContent : '',
    };
})"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')"
    )
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (CI installs it in .ci/run)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


PLOT_CHECK = """async () => Promise.all(Array.from(document.querySelectorAll('figure.forest img')).map(
    async img => {
        img.scrollIntoView();
        await img.decode();
        return {src: img.getAttribute('src'), width: img.naturalWidth, height: img.naturalHeight,
                shown: img.getBoundingClientRect().width};
    }))"""


def open_report(browser, uri: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    problems: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
        ),
    )
    page.on("request", lambda request: requests.append(request.url))
    page.goto(uri)
    page.evaluate("window.reportReady.then(() => true)")
    return page, problems, requests


@pytest.fixture
def opened(browser, built_report):
    page, problems, requests = open_report(browser, built_report.summary.uri)
    yield page, problems, requests
    page.close()


def check_charts(charts: list[dict], expected: set[str]) -> None:
    assert {c["id"] for c in charts} == expected
    for chart in charts:
        assert chart["rendered"], chart["id"]
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert chart["marks"] > 0, chart["id"]


def test_every_chart_draws_without_errors_or_network(opened, built_report, tmp_path):
    page, problems, requests = opened
    charts = page.evaluate(CHART_CHECK)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert problems == []
    assert [r for r in requests if not r.startswith("file://")] == [], "the page must not touch the network"
    check_charts(charts, set(built_report.payload["charts"]))
    overview = next(c for c in charts if c["id"] == "overview-status")
    assert HOSTILE_LABEL in overview["text"], "a class label with markup is drawn as literal text"


def test_registry_script_never_runs_and_shows_as_text(opened):
    page, problems, _ = opened
    assert page.evaluate("window.__pwned") is None
    cells = page.locator("[data-table=trials-cgrp_mab] td.wide").all_text_contents()
    assert HOSTILE_TITLE in cells
    assert page.locator("#class-cgrp_mab img").count() == 0
    assert problems == []


ROWS = """(host) => Array.from(host.querySelectorAll('tbody tr')).map(
    tr => Array.from(tr.cells).map(td => td.textContent))"""


def test_trial_lists_sort_and_filter(opened):
    page, problems, _ = opened
    table = page.locator("[data-table=trials-cgrp]")
    headers = table.locator("thead th").all_text_contents()
    column = next(i for i, h in enumerate(headers) if h.startswith("Participants"))
    participants = table.locator("thead th").nth(column)
    participants.locator("button").click()
    assert participants.get_attribute("aria-sort") == "ascending"
    values = [int(row[column].replace(",", "")) for row in table.evaluate(ROWS)]
    assert values == sorted(values) and len(values) == 4
    participants.locator("button").click()
    assert participants.get_attribute("aria-sort") == "descending"
    assert [int(row[column].replace(",", "")) for row in table.evaluate(ROWS)] == sorted(values, reverse=True)
    table.locator("input[type=search]").fill(HOSTILE_NCT.lower())
    (row,) = table.evaluate(ROWS)
    assert row[0] == HOSTILE_NCT
    assert table.locator(".table-tools span").first.text_content() == "Rows 1\u20131 of 1"
    assert table.locator(f"a[href='https://clinicaltrials.gov/study/{HOSTILE_NCT}']").count() == 1
    assert problems == []


def test_the_forest_plots_and_effects_draw_as_images_without_errors(browser, effects_report, tmp_path):
    """Every chart and every forest plot of the demo's records is drawn; a screenshot of the CGRP antibody
    section (its effects table and forest plot) is left in the test's tmp folder."""
    page, problems, requests = open_report(browser, effects_report.summary.uri)
    try:
        check_charts(page.evaluate(CHART_CHECK), set(effects_report.payload["charts"]))
        plots = page.evaluate(PLOT_CHECK)
        assert len(plots) == effects_report.summary.n_plots >= 2
        for plot in plots:
            assert plot["width"] > 300 and plot["height"] > 150 and plot["shown"] > 300, plot
        section = page.locator("#class-cgrp_antibody")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(tmp_path / "cgrp_antibody.png"))
        assert (tmp_path / "cgrp_antibody.png").stat().st_size > 10_000
        effects = page.locator("#class-cgrp_antibody table[data-effects] tbody tr").count()
        assert effects == len(
            effects_report.query("SELECT 1 FROM class_effects WHERE treatment_class = 'cgrp_antibody'")
        )
        table = page.locator("[data-table=trials-cgrp_antibody]")
        headers = table.locator("thead th").all_text_contents()
        column = next(i for i, h in enumerate(headers) if h.startswith("Primary effect"))
        table.locator("thead th").nth(column).locator("button").click()
        first = table.evaluate(ROWS)[0][column]
        assert first.startswith("MD \u2212") and "(" in first, first
        assert problems == []
        assert [r for r in requests if not r.startswith("file://")] == []
    finally:
        page.close()
