"""Registry text never becomes markup: titles, outcome measures and class labels with HTML or script in
them reach the page escaped (HTML) or as JSON data that the page sets with textContent."""

from __future__ import annotations

import html
import json

from tests.report.conftest import select
from tests.report.report_warehouse import HOSTILE_LABEL, HOSTILE_NCT, HOSTILE_OUTCOME, HOSTILE_TITLE


def test_no_markup_from_the_registry_in_the_page(built_report):
    page = built_report.html
    for hostile in (HOSTILE_TITLE, HOSTILE_OUTCOME, HOSTILE_LABEL):
        assert hostile not in page
    assert "<img" not in page and "<i>" not in page and "<b>" not in page
    assert page.count("<script") == 3, "the data block, the Vega bundle and report.js: nothing else"


def test_registry_text_is_shown_as_text(built_report):
    tree = built_report.tree
    endpoints = [e.text_content() for e in select(tree, "#class-cgrp_mab .endpoint")]
    assert HOSTILE_OUTCOME in endpoints, "the escaped outcome reads back as the registry's text"
    assert html.escape(HOSTILE_OUTCOME, quote=False) in built_report.html
    nav = [e.text_content() for e in select(tree, "nav .toc-label")]
    assert HOSTILE_LABEL in nav


def test_data_block_cannot_close_its_script_element(built_report):
    block = built_report.data_block
    assert "<" not in block and ">" not in block and "&" not in block, "tojson escapes <, > and &"
    dataset = json.loads(block)["datasets"]["trials"]
    nct = [c["key"] for c in dataset["columns"]].index("nct_id")
    title = [c["key"] for c in dataset["columns"]].index("title")
    (row,) = [r for r in dataset["rows"] if r[nct] == HOSTILE_NCT]
    assert row[title] == HOSTILE_TITLE, "the data carries the exact text; the page sets it as text"


def test_chart_labels_travel_as_data(built_report):
    """Class labels reach the charts only inside the JSON block; Vega draws them as SVG text (the
    browser test checks the label shows literally)."""
    overview = built_report.payload["charts"]["overview-status"]
    assert HOSTILE_LABEL in overview["encoding"]["y"]["scale"]["domain"]
    assert HOSTILE_LABEL not in built_report.data_block


def test_the_policy_runs_no_inline_script_and_shows_plots_only_as_images(effects_report):
    """Forest plots hold registry text (group titles): they are <img> from the report's own folder, which
    the page's Content-Security-Policy allows, while it blocks inline script and any other origin."""
    (policy,) = effects_report.tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["default-src"] == "'none'" and "'unsafe-inline'" not in rules["script-src"]
    assert rules["img-src"] == "'self' data:"
    images = select(effects_report.tree, "figure.forest img")
    assert images and all(img.get("src").startswith("plots/") for img in images)
    assert "<svg" not in effects_report.html and "<object" not in effects_report.html
