"""The records shipped for `evidence demo`: real, small, each file's provenance in the README beside them;
and the pivotal-trial results transcribed from publications, served beside them and labelled as such."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

from pipeline.demo.ctgov_api import load_studies, nct_id
from pipeline.demo.publication_results import FROM_PUBLICATIONS, with_publication_results
from pipeline.demo.pubmed_records import load_articles
from pipeline.demo.site import RECORDS
from tests.conftest import REPO_ROOT

README = RECORDS / "README.md"
ROW = re.compile(r"^\| `([^`]+)` \| (.+) \| `([0-9a-f]{16})` \|$", re.M)
SHIPPED = sorted(p for p in RECORDS.rglob("*") if p.is_file() and p.name != "README.md")
TRANSCRIBED = sorted((RECORDS / FROM_PUBLICATIONS).glob("*.json"))
REGISTRY_COPIES = [p for p in SHIPPED if p not in TRANSCRIBED]
OUTCOME_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "outcomes"
CITATION = re.compile(r"\b(19|20)\d{2};\d+")  # a journal reference: year;volume


def test_every_shipped_file_and_only_those_has_a_provenance_row_with_its_hash() -> None:
    rows = {name: digest for name, _, digest in ROW.findall(README.read_text(encoding="utf-8"))}
    assert sorted(rows) == sorted(p.name for p in SHIPPED)
    for path in SHIPPED:
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:16] == rows[path.name], path.name


def test_each_row_says_transcribed_or_recorded_and_where_from() -> None:
    transcribed = {p.name for p in TRANSCRIBED}
    for name, text, _ in ROW.findall(README.read_text(encoding="utf-8")):
        if name in transcribed:
            assert text.startswith("transcribed by hand from the publication"), name
            assert "(not the registry)" in text and CITATION.search(text), name
            continue
        assert text.startswith(("transcribed by hand from", "recorded from the live")), name
        assert "<http" in text or "github:" in text, name


def test_the_copies_are_the_shared_fixtures_byte_for_byte(fixtures_dir: Path) -> None:
    originals = {p.name: p for p in fixtures_dir.rglob("*") if p.is_file()}
    for path in REGISTRY_COPIES:
        assert path.read_bytes() == originals[path.name].read_bytes(), path.name


def test_the_transcribed_results_are_the_outcome_tests_files_with_every_source_in_the_readme() -> None:
    """The same hand-written files the outcome tests check the statistics on; the README names the
    publication of every trial and says, per trial, whether it is served whole or only its results."""
    assert [p.name for p in TRANSCRIBED] == sorted(p.name for p in OUTCOME_FIXTURES.glob("NCT*.json"))
    readme = README.read_text(encoding="utf-8")
    registry_ids = {nct_id(s) for s in load_studies([RECORDS / "ctgov"])}
    for path in TRANSCRIBED:
        assert path.read_bytes() == (OUTCOME_FIXTURES / path.name).read_bytes(), path.name
        found = nct_id(json.loads(path.read_text(encoding="utf-8")))
        (row,) = [text for name, text, _ in ROW.findall(readme) if name == path.name]
        attached = f"attached to the registry record `ctgov/{found}.json`"
        assert (attached in row) == (found in registry_ids), path.name
        assert f"({found})**" in readme, f"{found} has no paragraph naming the source of its numbers"


def test_registry_records_get_only_the_results_section_and_the_others_are_served_whole() -> None:
    registry = load_studies([RECORDS / "ctgov"])
    served = with_publication_results(registry, RECORDS / FROM_PUBLICATIONS)
    by_id = {nct_id(s): s for s in served.studies}
    transcribed = {nct_id(s): s for s in load_studies([RECORDS / FROM_PUBLICATIONS])}
    assert served.n_transcribed == len(transcribed) == 8
    assert set(served.attached) | set(served.added) == set(transcribed)
    assert len(served.studies) == len(registry) + len(served.added)
    assert [nct_id(s) for s in served.studies] == sorted(by_id)
    for original in registry:
        found = nct_id(original)
        if found in served.attached:
            assert by_id[found] == {**original, "resultsSection": transcribed[found]["resultsSection"]}
            assert "resultsSection" not in original, "the loaded registry record is left as it was"
        else:
            assert by_id[found] is original, found
    for found in served.added:
        assert by_id[found] == transcribed[found]


def test_a_registry_record_with_its_own_results_keeps_them(tmp_path: Path) -> None:
    registry = load_studies([RECORDS / "ctgov"])
    own = next(s for s in registry if "resultsSection" in s)
    doc = {
        "protocolSection": own["protocolSection"],
        "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": []}},
    }
    (tmp_path / f"{nct_id(own)}.json").write_text(json.dumps(doc), encoding="utf-8")
    served = with_publication_results(registry, tmp_path)
    assert served.attached == served.added == ()
    assert next(s for s in served.studies if nct_id(s) == nct_id(own)) is own


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
