"""normalise_run for PubMed: a run fetched by the real client from the recorded server -> Parquet."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from lxml import etree

from pipeline.config import HttpSettings, PubmedSettings
from pipeline.errors import FetchError, RawZoneError
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.raw.zone import RawRun, RawZone
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.normalise.run import normalise_run
from pipeline.sources.pubmed.normalise.schemas import TABLES
from pipeline.sources.pubmed.request import PubmedRequest
from tests.normalisers.conftest import PoolWatch, other_processes_from
from tests.servers.corpus import RecordedCorpus, three_batch_size
from tests.servers.fake_clock import FakeClock
from tests.servers.pubmed_server import FixtureArticle, PubmedRecordedServer

RUN_ID = "20261121T120000Z-beef"
DELETED = "11111111"  # not a served article: a withdrawal announced in the last batch


@pytest.fixture(scope="module")
def articles(pubmed_fixture_articles: list[FixtureArticle]) -> list[FixtureArticle]:
    return pubmed_fixture_articles


@pytest.fixture(scope="module")
def running_server(corpus: RecordedCorpus, articles: list[FixtureArticle]) -> Iterator[PubmedRecordedServer]:
    with PubmedRecordedServer(corpus, articles=articles, deleted_pmids=[DELETED]) as recorded:
        yield recorded


@pytest.fixture
def server(running_server: PubmedRecordedServer) -> PubmedRecordedServer:
    running_server.reset()
    return running_server


def fetch(server: PubmedRecordedServer, tmp_path: Path, batch_size: int | None = None) -> RawRun:
    """A real raw run: the PubMed client against the recorded server, with instant waits."""
    settings = PubmedSettings(
        base_url=server.base_url,
        batch_size=batch_size or three_batch_size(len(server.articles)),  # 3 batches: 20 shared, 8 packaged
        http=HttpSettings(max_attempts=2, backoff_initial_seconds=0.01, timeout_seconds=5.0),
    )
    clock = FakeClock()
    client = PubmedClient(settings, "pipeline-tests/1.0", clock=clock)
    raw_run = RawZone(tmp_path / "raw").start_run("pubmed", RUN_ID)
    try:
        fetch_run(client, raw_run, PubmedRequest("migraine[MeSH Terms]"))
    finally:
        client.close()
    return raw_run


def restamp(raw_run: RawRun, stamps: list[str]) -> None:
    """Give the EFetch pages known fetch times (the manifest is not checksummed, the bodies are)."""
    path = raw_run.path / "manifest.json"
    manifest = orjson.loads(path.read_bytes())
    efetch = [p for p in manifest["pages"] if p["kind"] == "efetch"]
    assert len(efetch) == len(stamps)
    for page, stamp in zip(efetch, stamps, strict=True):
        page["fetched_at"] = stamp
    path.write_bytes(orjson.dumps(manifest))


def read(out: Path, table: str) -> list[dict]:
    return pq.read_table(partition_dir(out, table, RUN_ID) / PART_FILE, partitioning=None).to_pylist()


def body_pmids(body: bytes) -> list[str]:
    root = etree.fromstring(body, parser=etree.XMLParser(load_dtd=False, no_network=True))
    return [el.findtext("MedlineCitation/PMID") for el in root.iterfind("PubmedArticle")]


def no_partitions(out: Path) -> bool:
    return not out.exists() or not [p for p in out.rglob("*") if p.is_file() or p.name.startswith("run_id=")]


def test_every_served_pmid_once_with_its_body_provenance(
    server: PubmedRecordedServer, tmp_path: Path
) -> None:
    raw_run = fetch(server, tmp_path)
    # Real stamps may share a millisecond; distinct ones show each row took its own body's.
    restamp(raw_run, ["2026-11-21T12:00:01.000Z", "2026-11-21T12:00:02.000Z", "2026-11-21T12:00:03.500Z"])
    out = tmp_path / "parquet" / "pubmed"
    summary = normalise_run(raw_run, out)

    served = sorted(a.pmid for a in server.articles)
    publications = read(out, "publications")
    assert sorted(r["pmid"] for r in publications) == served  # all of them, each once
    assert (summary.n_articles, summary.n_bodies, summary.n_deleted) == (len(served), 3, 1)
    assert [r["pmid"] for r in read(out, "deleted_pmids")] == [DELETED]
    for table, schema in TABLES.items():
        stored = pq.read_table(partition_dir(out, table, RUN_ID) / PART_FILE, partitioning=None)
        assert stored.schema.equals(schema) and stored.num_rows == summary.counts[table], table

    manifest = raw_run.manifest()
    assert isinstance(manifest["data_timestamp"], str)
    fetched_by_pmid = {
        pmid: datetime.fromisoformat(record.fetched_at)
        for record, body in raw_run.iter_bodies("efetch")
        for pmid in body_pmids(body)
    }
    for row in publications:
        assert row["run_id"] == RUN_ID
        assert row["data_timestamp"] == manifest["data_timestamp"]
        assert row["fetched_at"].tzinfo is not None
        assert row["fetched_at"] == fetched_by_pmid[row["pmid"]]
    mesh = read(out, "publication_mesh")
    assert mesh and {r["pmid"] for r in mesh} <= set(served)
    assert all(r["fetched_at"] == fetched_by_pmid[r["pmid"]] for r in mesh)


def test_incomplete_run_is_refused(server: PubmedRecordedServer, tmp_path: Path) -> None:
    server.set_missing({server.articles[0].pmid})
    with pytest.raises(FetchError, match="run left incomplete"):
        fetch(server, tmp_path)
    raw_run = RawZone(tmp_path / "raw").open_run("pubmed", RUN_ID)
    assert raw_run.pages()  # bodies were stored, only the manifest is missing
    out = tmp_path / "parquet" / "pubmed"
    with pytest.raises(RawZoneError, match="incomplete"):
        normalise_run(raw_run, out)
    assert no_partitions(out)


def test_corrupted_stored_body_is_refused_and_leaves_no_partition(
    server: PubmedRecordedServer, tmp_path: Path
) -> None:
    raw_run = fetch(server, tmp_path)
    last = [p for p in raw_run.pages() if p.kind == "efetch"][-1]
    body = gzip.decompress((raw_run.path / last.file).read_bytes())
    tampered = body.replace(b"<PubmedArticle>", b"<PubmedArticle >", 1)  # still well-formed XML
    assert tampered != body
    (raw_run.path / last.file).write_bytes(gzip.compress(tampered))
    out = tmp_path / "parquet" / "pubmed"
    with pytest.raises(RawZoneError, match=f"{last.file} does not match its recorded sha256"):
        normalise_run(raw_run, out)
    assert no_partitions(out)  # the two good bodies before it were not published either


def test_fetched_at_that_is_not_an_iso_utc_time_is_refused(
    server: PubmedRecordedServer, tmp_path: Path
) -> None:
    raw_run = fetch(server, tmp_path, batch_size=50)
    restamp(raw_run, ["2026-11-21T12:00:00"])  # no zone: local time of unknown offset
    out = tmp_path / "parquet" / "pubmed"
    with pytest.raises(RawZoneError, match="is not an ISO UTC time"):
        normalise_run(raw_run, out)
    assert no_partitions(out)


def test_a_run_of_another_source_is_refused(tmp_path: Path) -> None:
    raw_run = RawZone(tmp_path / "raw").start_run("ctgov", RUN_ID)
    raw_run.finish({"data_timestamp": None})
    with pytest.raises(RawZoneError, match="'ctgov' run, not a PubMed one"):
        normalise_run(raw_run, tmp_path / "parquet" / "pubmed")


def test_fetched_at_is_converted_to_utc(server: PubmedRecordedServer, tmp_path: Path) -> None:
    raw_run = fetch(server, tmp_path, batch_size=50)
    restamp(raw_run, ["2026-11-21T14:30:00+02:00"])
    out = tmp_path / "parquet" / "pubmed"
    normalise_run(raw_run, out)
    stamps = {r["fetched_at"] for r in read(out, "publications")}
    assert stamps == {datetime(2026, 11, 21, 12, 30, tzinfo=UTC)}


def five_bodies_batch_size(server: PubmedRecordedServer) -> int:
    """A batch size that fetches the served articles in five EFetch bodies (10 shared, 4 packaged):
    more bodies than the three worker processes, so several processes each take more than one."""
    return -(-len(server.articles) // 5)


def test_several_processes_write_the_sequential_files(
    server: PubmedRecordedServer, tmp_path: Path, pools: PoolWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_run = fetch(server, tmp_path, batch_size=five_bodies_batch_size(server))
    outputs, summaries, started = {}, {}, {}
    # One process; three whatever the run's size; three allowed, but the run is too small to start any.
    for name, workers, from_bytes in (("one", 1, 0), ("three", 3, 0), ("small", 3, None)):
        other_processes_from(monkeypatch, from_bytes)
        out = tmp_path / f"parquet-{name}"
        before = len(pools.sizes)
        summaries[name] = normalise_run(raw_run, out, workers=workers)
        outputs[name] = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        started[name] = pools.sizes[before:]
    assert started == {"one": [], "three": [2], "small": []}
    assert summaries["one"].n_bodies == 5 and summaries["one"].n_articles == len(server.articles)
    assert summaries["three"] == summaries["one"] and summaries["small"] == summaries["one"]
    assert outputs["three"] == outputs["one"] and outputs["small"] == outputs["one"]


@pytest.mark.usefixtures("any_size_in_parallel")
def test_with_several_processes_the_first_bad_body_is_the_error(
    server: PubmedRecordedServer, tmp_path: Path
) -> None:
    raw_run = fetch(server, tmp_path, batch_size=five_bodies_batch_size(server))
    bodies = [p for p in raw_run.pages() if p.kind == "efetch"]
    assert len(bodies) == 5  # the unreadable second body comes before the missing last one
    (raw_run.path / bodies[1].file).write_bytes(b"not gzip")
    (raw_run.path / bodies[-1].file).unlink()
    out = tmp_path / "parquet" / "pubmed"
    with pytest.raises(RawZoneError, match=f"raw page unreadable: .*{bodies[1].file}"):
        normalise_run(raw_run, out, workers=3)
    assert no_partitions(out)
