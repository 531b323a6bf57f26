"""Benchmark: raw PubMed EFetch bodies (gzipped on disk) to the written Parquet partition.

Run on demand, not in the test suite:

    .venv/bin/python bench/bench_normalise_pubmed.py [--sizes 5000 50000] [--batch 500]

The corpus is made of the real recorded EFetch records in the shared fixtures, repeated with rewritten
PMIDs and packed into bodies of --batch articles, as EFetch would send them. Each size runs in a fresh
process so its peak RSS is its own: memory must follow the batch, not the corpus, so the peak at
50,000 articles should be close to the peak at 5,000.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline.parquet.provenance import Provenance  # noqa: E402
from pipeline.sources.pubmed.normalise.run import write_pubmed_partition  # noqa: E402
from tests.conftest import shared_fixtures_dir  # noqa: E402

HEADER = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC'
    b' "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
    b' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
FOOTER = b"\n</PubmedArticleSet>\n"
FIRST_FAKE_PMID = 90_000_000
PMID_MARK = "@@PMID@@"


def real_articles() -> list[tuple[bytes, bytes]]:
    """Each real recorded article split around its PMID value: (before, after)."""
    efetch_dir = shared_fixtures_dir() / "pubmed" / "efetch"
    if not efetch_dir.is_dir():
        sys.exit(f"real EFetch records not found at {efetch_dir}")
    templates = []
    for path in sorted(efetch_dir.glob("*.xml")):
        root = etree.parse(
            str(path), etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)
        )
        for article in root.getroot().iterfind("PubmedArticle"):
            pmid = article.find("MedlineCitation/PMID")
            pmid.text = PMID_MARK
            text = etree.tostring(article, encoding="unicode", with_tail=False).encode()
            before, after = text.split(PMID_MARK.encode())
            templates.append((before, after))
    return templates


def write_corpus(folder: Path, n_articles: int, batch_size: int) -> list[Path]:
    templates = real_articles()
    paths = []
    for start in range(0, n_articles, batch_size):
        articles = [
            templates[i % len(templates)][0]
            + str(FIRST_FAKE_PMID + i).encode()
            + templates[i % len(templates)][1]
            for i in range(start, min(start + batch_size, n_articles))
        ]
        path = folder / f"efetch-{len(paths) + 1:06d}.xml.gz"
        path.write_bytes(gzip.compress(HEADER + b"\n".join(articles) + FOOTER, compresslevel=6))
        paths.append(path)
    return paths


def _bodies(paths: list[Path], provenance: Provenance) -> Iterator[tuple[bytes, Provenance, str]]:
    for path in paths:
        yield gzip.decompress(path.read_bytes()), provenance, str(path)


def run_worker(corpus: Path, out_root: Path) -> dict[str, object]:
    """The timed part: read, gunzip, parse and write every body of the corpus."""
    paths = sorted(corpus.glob("efetch-*.xml.gz"))
    provenance = Provenance("20261121T000000Z-bench", datetime.now(UTC), None)
    started = time.perf_counter()
    summary = write_pubmed_partition(_bodies(paths, provenance), out_root, provenance.run_id)
    elapsed = time.perf_counter() - started
    return {
        "n_articles": summary.n_articles,
        "n_bodies": summary.n_bodies,
        "counts": summary.counts,
        "seconds": round(elapsed, 3),
        "articles_per_s": round(summary.n_articles / elapsed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "parquet_mb": round(sum(p.stat().st_size for p in out_root.rglob("*.parquet")) / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--worker", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(Path(args.worker[0]), Path(args.worker[1]))))
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-pubmed-") as tmp:
            corpus = Path(tmp) / "raw"
            corpus.mkdir()
            paths = write_corpus(corpus, size, args.batch)
            raw_mb = sum(p.stat().st_size for p in paths) / 2**20
            worker = subprocess.run(
                [sys.executable, __file__, "--worker", str(corpus), str(Path(tmp) / "parquet")],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(worker.stdout)
            print(
                f"{size:>7,} articles, {result['n_bodies']} bodies ({raw_mb:.1f} MB gzipped): "
                f"{result['seconds']:.2f} s, {result['articles_per_s']:,} articles/s, "
                f"peak RSS {result['peak_rss_mb']} MB, Parquet {result['parquet_mb']} MB, "
                f"rows {result['counts']}"
            )


if __name__ == "__main__":
    main()
