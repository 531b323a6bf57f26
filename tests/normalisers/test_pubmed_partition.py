"""Writing a PubMed run's partition through the shared PartitionWriter: layout, schemas, counts, and
nothing left behind on failure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.sources.pubmed.normalise.run import write_pubmed_partition
from pipeline.sources.pubmed.normalise.schemas import TABLES
from tests.servers.corpus import IN_REPO_FIXTURES, RecordedCorpus

RUN_ID = "20261121T120000Z-ab12"
PROVENANCE = Provenance(RUN_ID, datetime(2026, 11, 21, 12, 0, tzinfo=UTC), None)
# Hand-written (PMIDs 900000xx are not real): a body holding only a deletion, as update files can.
DELETION_BODY = (
    b'<PubmedArticleSet><DeleteCitation><PMID Version="1">90000001</PMID>'
    b'<PMID Version="1">90000002</PMID></DeleteCitation></PubmedArticleSet>'
)


# Hand-written to NCBI's EFetch format (3 articles and a DeleteCitation), and two real recorded articles
# that the packaged records hold too: every test here runs on a bare clone.
HANDWRITTEN = IN_REPO_FIXTURES / "pubmed" / "efetch_batch.xml"
RECORDED = "pubmed/efetch/biomcp_efetch_citation_22663011.xml"
RECORDED_MEDLINE_STYLE = "pubmed/efetch/pubmed-ingester_PMID29144720_gammaCore.xml"


def _bodies(*paths: Path) -> list[tuple[bytes, Provenance, str]]:
    return [(path.read_bytes(), PROVENANCE, path.name) for path in paths]


def _n_articles(body: bytes) -> int:
    return body.count(b"<PubmedArticle>") + body.count(b"<PubmedBookArticle>")


def _leftovers(out_root: Path) -> list[Path]:
    """The shared writer's in-progress and moved-aside partition folders."""
    return [p for p in out_root.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]


def test_partition_layout_schemas_and_counts(corpus: RecordedCorpus, tmp_path: Path) -> None:
    bodies = _bodies(corpus.file(RECORDED), corpus.file(RECORDED_MEDLINE_STYLE))
    summary = write_pubmed_partition([*bodies, (DELETION_BODY, PROVENANCE, "deletions")], tmp_path, RUN_ID)
    assert (summary.n_articles, summary.n_deleted, summary.n_bodies, summary.n_skipped) == (2, 2, 3, 0)
    for table, schema in TABLES.items():
        path = partition_dir(tmp_path, table, RUN_ID) / PART_FILE
        assert path.is_file(), table
        written = pq.read_table(path)
        assert written.schema.equals(schema), table
        assert written.num_rows == summary.counts[table], table
        assert set(written.column("run_id").to_pylist()) <= {RUN_ID}
    publications_file = partition_dir(tmp_path, "publications", RUN_ID) / PART_FILE
    publications = pq.read_table(publications_file)
    assert sorted(publications.column("pmid").to_pylist()) == ["22663011", "29144720"]
    deleted = pq.read_table(partition_dir(tmp_path, "deleted_pmids", RUN_ID) / PART_FILE)
    assert deleted.column("pmid").to_pylist() == ["90000001", "90000002"]
    assert summary.counts["publication_registry_ids"] == 2
    assert pq.ParquetFile(publications_file).metadata.row_group(0).column(0).compression == "ZSTD"
    assert _leftovers(tmp_path) == []


def test_tables_without_rows_still_get_a_readable_file(tmp_path: Path) -> None:
    summary = write_pubmed_partition([(DELETION_BODY, PROVENANCE, "deletions")], tmp_path, RUN_ID)
    assert summary.n_articles == 0
    empty = pq.read_table(partition_dir(tmp_path, "publication_mesh", RUN_ID) / PART_FILE)
    assert (empty.num_rows, empty.schema.equals(TABLES["publication_mesh"])) == (0, True)


def test_a_bad_body_leaves_no_partition(tmp_path: Path) -> None:
    good = _bodies(HANDWRITTEN)
    truncated = (good[0][0][:-200], PROVENANCE, "efetch-000002.xml.gz")
    with pytest.raises(NormaliseError, match=re.escape("efetch-000002.xml.gz: malformed or truncated")):
        write_pubmed_partition([*good, truncated], tmp_path, RUN_ID)
    assert not any(partition_dir(tmp_path, table, RUN_ID).exists() for table in TABLES)
    assert _leftovers(tmp_path) == []


def test_a_failed_rerun_keeps_the_previous_partition(tmp_path: Path) -> None:
    write_pubmed_partition(_bodies(HANDWRITTEN), tmp_path, RUN_ID)
    with pytest.raises(NormaliseError):
        write_pubmed_partition([(b"<PubmedArticleSet><Pub", PROVENANCE, "bad")], tmp_path, RUN_ID)
    kept = pq.read_table(partition_dir(tmp_path, "publications", RUN_ID) / PART_FILE)
    assert kept.num_rows == _n_articles(HANDWRITTEN.read_bytes()) == 3


def test_a_rerun_replaces_the_partition(corpus: RecordedCorpus, tmp_path: Path) -> None:
    recorded = corpus.file(RECORDED)
    first = write_pubmed_partition(_bodies(HANDWRITTEN, recorded), tmp_path, RUN_ID)
    second = write_pubmed_partition(_bodies(recorded), tmp_path, RUN_ID)
    assert (first.n_articles, second.n_articles) == (4, 1)
    files = list((tmp_path / "publications").rglob("*.parquet"))
    assert files == [partition_dir(tmp_path, "publications", RUN_ID) / PART_FILE]
    assert pq.read_table(files[0]).column("pmid").to_pylist() == ["22663011"]
    assert _leftovers(tmp_path) == []


def test_a_body_from_another_run_is_refused(tmp_path: Path) -> None:
    other = Provenance("20261120T000000Z-ffff", PROVENANCE.fetched_at, None)
    body = HANDWRITTEN.read_bytes()
    with pytest.raises(NormaliseError, match="is not '20261121T120000Z-ab12'"):
        write_pubmed_partition([(body, other, "efetch-000001.xml.gz")], tmp_path, RUN_ID)
    assert _leftovers(tmp_path) == []
    assert not any(partition_dir(tmp_path, table, RUN_ID).exists() for table in TABLES)
