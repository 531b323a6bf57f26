"""Which real records the tests serve: the shared real-data fixtures when present, else the records
packaged for ``evidence demo`` (``pipeline/demo/records``), so a bare clone still tests every unit.

The packaged records are real too (byte copies of part of the shared set, provenance in their README):
35 transcribed migraine trials plus 3 recorded trials with posted results, 18 transcribed migraine
articles plus 2 recorded EFetch articles. What the packaged set lacks is NCBI's recorded rate-limit
body; its stand-in is ``tests/fixtures/pubmed/rate_limit_exceeded.json``, hand-written to the format
NCBI documents. ``corpus.file("ctgov/migraine/NCT04064879.json")`` finds one shared record, or its
packaged copy on a bare clone. A test that asserts a fact only the shared set has asks for
``fixtures_dir`` (which skips, naming the folder) or calls ``corpus.require_shared(reason)``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.demo.ctgov_api import load_studies
from pipeline.demo.pubmed_records import RecordedArticle, load_articles
from pipeline.demo.site import RECORDS

REPO_ROOT = Path(__file__).resolve().parents[2]
IN_REPO_FIXTURES = REPO_ROOT / "tests" / "fixtures"
FIXTURES_ENV_VAR = "EVIDENCE_FIXTURES"
SHARED_CTGOV_SETS = ("migraine", "studies")
SHARED_PUBMED_SETS = ("migraine", "efetch")
SHARED_RATE_LIMIT_GLOB = "pubmed/esearch-json/biomcp_25d28*.json"
HANDWRITTEN_RATE_LIMIT = IN_REPO_FIXTURES / "pubmed" / "rate_limit_exceeded.json"


@dataclass(frozen=True)
class RecordedCorpus:
    """Folders of real records for the two recorded-response servers."""

    name: str  # "shared" or "packaged"
    root: Path  # the shared fixtures folder, or the packaged records folder
    ctgov_folders: tuple[Path, ...]
    pubmed_folders: tuple[Path, ...]
    rate_limit_file: Path

    @property
    def is_shared(self) -> bool:
        return self.name == "shared"

    def studies(self) -> list[dict[str, Any]]:
        """Single-study v2 records, one per NCT id, sorted by NCT id."""
        return load_studies(self.ctgov_folders)

    def articles(self) -> list[RecordedArticle]:
        """Every recorded article element, one per PMID."""
        return load_articles(self.pubmed_folders)

    def rate_limit_body(self) -> bytes:
        """NCBI's "API rate limit exceeded" JSON body."""
        return self.rate_limit_file.read_bytes()

    def file(self, relative: str) -> Path:
        """A shared fixture file by its path under the shared folder (``ctgov/migraine/NCT04064879.json``);
        on the packaged set its byte-identical packaged copy, or a skip when none was packaged."""
        if self.is_shared:
            return self.root / relative
        source, *_, name = Path(relative).parts
        packaged = self.root / source / name
        if not packaged.is_file():
            pytest.skip(f"needs the shared real-data fixtures: {relative} is not among the packaged records")
        return packaged

    def require_shared(self, reason: str) -> None:
        """Skip the calling test on the packaged set: it asserts a fact of a shared record only."""
        if not self.is_shared:
            pytest.skip(f"needs the shared real-data fixtures: {reason}")


def shared_fixtures_dir() -> Path:
    """The real recorded API responses: $EVIDENCE_FIXTURES, else ../shared/fixtures from the repo root."""
    env = os.environ.get(FIXTURES_ENV_VAR)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"


def shared_corpus(fixtures_dir: Path) -> RecordedCorpus:
    rate_limit = sorted(fixtures_dir.glob(SHARED_RATE_LIMIT_GLOB))
    if not rate_limit:
        raise FileNotFoundError(
            f"recorded rate-limit body not found: {fixtures_dir / SHARED_RATE_LIMIT_GLOB}"
        )
    return RecordedCorpus(
        name="shared",
        root=fixtures_dir,
        ctgov_folders=tuple(fixtures_dir / "ctgov" / s for s in SHARED_CTGOV_SETS),
        pubmed_folders=tuple(fixtures_dir / "pubmed" / s for s in SHARED_PUBMED_SETS),
        rate_limit_file=rate_limit[0],
    )


PACKAGED = RecordedCorpus(
    name="packaged",
    root=RECORDS,
    ctgov_folders=(RECORDS / "ctgov",),
    pubmed_folders=(RECORDS / "pubmed",),
    rate_limit_file=HANDWRITTEN_RATE_LIMIT,
)


def recorded_corpus(fixtures_dir: Path) -> RecordedCorpus:
    """The shared set when its folder exists, else the packaged one."""
    return shared_corpus(fixtures_dir) if fixtures_dir.is_dir() else PACKAGED


@functools.cache
def active_corpus() -> RecordedCorpus:
    """The corpus this test session serves (what the ``corpus`` fixture returns), for module constants."""
    return recorded_corpus(shared_fixtures_dir())


@functools.cache
def n_articles() -> int:
    """Articles the PubMed server serves: 49 shared (31 recorded + 18 migraine), 20 packaged."""
    return len(active_corpus().articles())


def three_batch_size(n_records: int) -> int:
    """A batch size that splits ``n_records`` into three batches, the last one short: 20 for the 49
    shared articles, 8 for the 20 packaged ones. Resume tests cut a run off between batches."""
    return -(-2 * n_records // 5)


def n_batches(n_records: int, batch_size: int) -> int:
    """EFetch batches (or pages) needed for ``n_records``."""
    return max(1, -(-n_records // batch_size))
