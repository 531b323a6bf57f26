"""Benchmark: raw PubMed EFetch bodies (gzipped on disk) to the written Parquet partition.

Run on demand, not in the test suite:

    .venv/bin/python bench/bench_normalise_pubmed.py [--sizes 5000 50000] [--batch 500] [--workers N]

The corpus is made of the real recorded EFetch records in the shared fixtures, repeated with rewritten
PMIDs and packed into bodies of --batch articles, as EFetch would send them, stored as a raw run. Each
size runs in a fresh process so its peak RSS is its own: memory must follow the batch, not the corpus,
so the peak at 50,000 articles should be close to the peak at 5,000. ``--workers`` (default: one per
core) is ``resources.normalise_workers``; the peak of the other processes is printed apart.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline.parquet.parallel import default_workers  # noqa: E402
from pipeline.raw.zone import RawZone, utc_now_iso  # noqa: E402
from pipeline.sources.pubmed.normalise.run import normalise_run  # noqa: E402
from tests.conftest import shared_fixtures_dir  # noqa: E402

HEADER = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC'
    b' "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
    b' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
FOOTER = b"\n</PubmedArticleSet>\n"
FIRST_FAKE_PMID = 90_000_000
RUN_ID = "20261121T000000Z-beef"
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


def write_corpus(raw_root: Path, n_articles: int, batch_size: int) -> float:
    """A complete raw PubMed run of ``n_articles``; returns its gzipped size in MB."""
    templates = real_articles()
    run = RawZone(raw_root).start_run("pubmed", RUN_ID)
    for start in range(0, n_articles, batch_size):
        articles = [
            templates[i % len(templates)][0]
            + str(FIRST_FAKE_PMID + i).encode()
            + templates[i % len(templates)][1]
            for i in range(start, min(start + batch_size, n_articles))
        ]
        run.write_page(
            f"efetch-{start // batch_size + 1:06d}.xml",
            HEADER + b"\n".join(articles) + FOOTER,
            url="https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi",
            params={},
            http_status=200,
            fetched_at=utc_now_iso(),
            n_records=len(articles),
            kind="efetch",
        )
    run.finish({"data_timestamp": None, "n_records": n_articles})
    return sum(p.stat().st_size for p in run.path.glob("*.gz")) / 2**20


def run_worker(raw_root: Path, out_root: Path, workers: int) -> dict[str, object]:
    """The timed part: read, gunzip, check, parse and write every body of the run."""
    raw_run = RawZone(raw_root).open_run("pubmed", RUN_ID)
    started = time.perf_counter()
    summary = normalise_run(raw_run, out_root, workers=workers)
    elapsed = time.perf_counter() - started
    return {
        "n_articles": summary.n_articles,
        "n_bodies": summary.n_bodies,
        "counts": summary.counts,
        "seconds": round(elapsed, 3),
        "articles_per_s": round(summary.n_articles / elapsed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "others_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "parquet_mb": round(sum(p.stat().st_size for p in out_root.rglob("*.parquet")) / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: one per core")
    parser.add_argument("--worker", nargs=2, metavar=("RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(Path(args.worker[0]), Path(args.worker[1]), args.workers)))
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-pubmed-") as tmp:
            raw_mb = write_corpus(Path(tmp) / "raw", size, args.batch)
            command = [sys.executable, __file__, "--workers", str(args.workers), "--worker"]
            worker = subprocess.run(
                [*command, str(Path(tmp) / "raw"), str(Path(tmp) / "parquet")],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(worker.stdout)
            print(
                f"{size:>7,} articles, {result['n_bodies']} bodies ({raw_mb:.1f} MB gzipped): "
                f"{result['seconds']:.2f} s, {result['articles_per_s']:,} articles/s with {args.workers} "
                f"process(es), peak RSS {result['peak_rss_mb']} MB (others "
                f"{result['others_peak_rss_mb']} MB), Parquet {result['parquet_mb']} MB, "
                f"rows {result['counts']}"
            )


if __name__ == "__main__":
    main()
