"""A report built once per module from the small hostile warehouse, and helpers to read it back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import lxml.html
import pytest

from pipeline.config import Settings
from pipeline.outcomes.plots import plots_dir
from pipeline.report.writer import ReportSummary, write_report
from tests.report.effects_warehouse import build_effects_warehouse
from tests.report.report_warehouse import build_report_warehouse

DATA_BLOCK = re.compile(r'<script id="report-data" type="application/json">(.*?)</script>', re.S)


@dataclass(frozen=True)
class BuiltReport:
    settings: Settings
    summary: ReportSummary
    html: str

    @property
    def data_block(self) -> str:
        match = DATA_BLOCK.search(self.html)
        assert match, "the page embeds its data in one JSON block"
        return match.group(1)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.data_block)

    @property
    def tree(self) -> Any:
        return lxml.html.fromstring(self.html)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.settings.warehouse.path), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    settings = build_report_warehouse(tmp_path_factory.mktemp("report"))
    summary = write_report(settings.warehouse.path, settings.report_dir)
    return BuiltReport(settings, summary, summary.path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def effects_report(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """The report of the demo's records with their transcribed results: pooled effects and forest plots,
    the nightly plots reused as a refresh does."""
    settings = build_effects_warehouse(tmp_path_factory.mktemp("effects"))
    summary = write_report(
        settings.warehouse.path, settings.report_dir, plots_dir(settings), settings.report.results_from
    )
    return BuiltReport(settings, summary, summary.path.read_text(encoding="utf-8"))


def chart_values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The data rows of a chart spec (single or layered)."""
    data = spec.get("data") or spec["layer"][0]["data"]
    return spec["datasets"][data["name"]]


def select(node: Any, css_like: str) -> list[Any]:
    """Elements by a small CSS subset: "#id", ".class", "tag", "[attr]" and "[attr=value]" steps joined
    by spaces (descendants), e.g. '#overview .tile-value' (lxml's cssselect needs another package)."""
    xpath = "."
    for step in css_like.split():
        match = re.fullmatch(
            r"(\w*)(?:#([\w-]+))?(?:\.([\w-]+))?(?:\[([\w-]+)(?:=\"?([^\]\"]*)\"?)?\])?", step
        )
        assert match, step
        tag, ident, cls, attr, value = match.groups()
        conditions = []
        if ident:
            conditions.append(f"@id='{ident}'")
        if cls:
            conditions.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')")
        if attr:
            conditions.append(f"@{attr}='{value}'" if value is not None else f"@{attr}")
        xpath += f"//{tag or '*'}" + "".join(f"[{c}]" for c in conditions)
    return node.xpath(xpath)


def number(text: str) -> int:
    return int(text.replace(",", "").strip())
