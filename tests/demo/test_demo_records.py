"""The records shipped for `evidence demo`: real, small, each file's provenance in the README beside them."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from pipeline.demo.ctgov_api import load_studies, nct_id
from pipeline.demo.pubmed_records import load_articles
from pipeline.demo.site import RECORDS
from tests.conftest import REPO_ROOT

README = RECORDS / "README.md"
ROW = re.compile(r"^\| `([^`]+)` \| (.+) \| `([0-9a-f]{16})` \|$", re.M)
SHIPPED = sorted(p for p in RECORDS.rglob("*") if p.is_file() and p.name != "README.md")


def test_every_shipped_file_and_only_those_has_a_provenance_row_with_its_hash() -> None:
    rows = {name: digest for name, _, digest in ROW.findall(README.read_text(encoding="utf-8"))}
    assert sorted(rows) == sorted(p.name for p in SHIPPED)
    for path in SHIPPED:
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:16] == rows[path.name], path.name


def test_each_row_says_transcribed_or_recorded_and_where_from() -> None:
    for name, text, _ in ROW.findall(README.read_text(encoding="utf-8")):
        assert text.startswith(("transcribed by hand from", "recorded from the live")), name
        assert "<http" in text or "github:" in text, name


def test_the_copies_are_the_shared_fixtures_byte_for_byte(fixtures_dir: Path) -> None:
    originals = {p.name: p for p in fixtures_dir.rglob("*") if p.is_file()}
    for path in SHIPPED:
        assert path.read_bytes() == originals[path.name].read_bytes(), path.name


def test_a_few_dozen_real_records_some_with_posted_results() -> None:
    studies = load_studies([RECORDS / "ctgov"])
    articles = load_articles([RECORDS / "pubmed"])
    assert all(nct_id(s) for s in studies)
    assert 30 <= len(studies) <= 60 and 15 <= len(articles) <= 40
    assert sum("resultsSection" in s for s in studies) >= 2
    assert sum(p.stat().st_size for p in SHIPPED) < 500_000


def test_the_package_data_patterns_carry_every_shipped_file() -> None:
    """A wheel gets only what package-data names: the demo would have nothing to serve otherwise."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["pipeline.demo"]
    base = RECORDS.parent
    covered = {p for pattern in patterns for p in base.glob(pattern)}
    assert set(SHIPPED) | {README} <= covered
