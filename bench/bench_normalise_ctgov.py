"""Benchmark: raw gzipped ClinicalTrials.gov pages on disk -> every Parquet table written.

Builds raw runs from the real recorded records (fixtures ``ctgov/studies`` and ``ctgov/migraine``),
replicated round-robin with rewritten nctIds and packed into /studies pages of 1,000 studies,
gzipped by the raw zone itself. Each size is then normalised in a fresh subprocess so its peak RSS
is its own; the timed part is the whole ``normalise_run`` (gunzip, sha256 check, parse, Arrow,
Parquet), including one-off costs such as pyarrow's first conversion importing pandas (~0.4 s),
which weigh on small runs. Targets: >= 3,000 studies/s at the largest size, and its peak RSS within
1.5x of the smallest size's (memory must not grow with the number of studies). ``--workers`` (default:
one per core) is ``resources.normalise_workers``; the other processes' peak is printed apart.

    .venv/bin/python bench/bench_normalise_ctgov.py [--sizes 5000 50000] [--workdir DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline.raw.zone import Origin, RawZone, utc_now_iso  # noqa: E402

PAGE_SIZE = 1000
TARGET_STUDIES_PER_S = 3000
MAX_RSS_GROWTH = 1.5
RUN_ID = "20260101T000000Z-beef"


def fixtures_dir() -> Path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from conftest import shared_fixtures_dir

    return shared_fixtures_dir()


def load_records(fixtures: Path) -> list[tuple[bytes, bytes]]:
    """(compact study JSON, its nctId) for every real single-study record."""
    files = sorted((fixtures / "ctgov" / "studies").glob("NCT*.json"))
    files += sorted((fixtures / "ctgov" / "migraine").glob("NCT*.json"))
    records = []
    for path in files:
        study = orjson.loads(path.read_bytes())
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
        records.append((orjson.dumps(study), nct_id.encode()))
    return records


def build_raw_run(records: list[tuple[bytes, bytes]], n_studies: int, raw_root: Path) -> None:
    run = RawZone(raw_root).start_run("ctgov", RUN_ID)
    page: list[bytes] = []
    n_pages = 0
    for i in range(n_studies):
        body, nct_id = records[i % len(records)]
        old = b'"nctId":"' + nct_id + b'"'
        page.append(body.replace(old, b'"nctId":"NCT%08d"' % (i + 1), 1))
        if len(page) == PAGE_SIZE or i == n_studies - 1:
            n_pages += 1
            token = b"" if i == n_studies - 1 else b',"nextPageToken":"bench-%d"' % n_pages
            run.write_page(
                f"page-{n_pages:06d}.json",
                b'{"studies":[' + b",".join(page) + b"]" + token + b"}",
                Origin(
                    "https://clinicaltrials.gov/api/v2/studies", {"pageSize": PAGE_SIZE}, 200, utc_now_iso()
                ),
                n_records=len(page),
            )
            page = []
    run.finish({"data_timestamp": "2026-01-01T00:00:00", "total_count": n_studies, "n_records": n_studies})


def measure(raw_root: Path, parquet_root: Path, workers: int) -> dict[str, float]:
    """Runs in the fresh subprocess: one timed normalise_run, then this process's peak RSS (and the
    largest of the other normalising processes')."""
    from pipeline.sources.ctgov.normalise.run import normalise_run

    raw_run = RawZone(raw_root).open_run("ctgov", RUN_ID)
    start = time.perf_counter()
    summary = normalise_run(raw_run, parquet_root, workers=workers)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    others_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "n_studies": summary.n_studies,
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
        "others_peak_rss_mb": others_mb,
        "rows": summary.rows,
    }


def run_size(
    records: list[tuple[bytes, bytes]], n_studies: int, workdir: Path, workers: int
) -> dict[str, float]:
    base = workdir / f"n{n_studies}"
    shutil.rmtree(base, ignore_errors=True)
    build_raw_run(records, n_studies, base / "raw")
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--workers",
            str(workers),
            "--measure",
            str(base / "raw"),
            str(base / "parquet"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout)
    if result["n_studies"] != n_studies:
        raise SystemExit(f"normalised {result['n_studies']} studies, expected {n_studies}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed")
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from pipeline.parquet.parallel import default_workers

    workers = args.workers or default_workers()
    if args.measure:
        print(json.dumps(measure(*args.measure, workers)))
        return

    records = load_records(fixtures_dir())
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-ctgov-"))
    try:
        results = {n: run_size(records, n, workdir, workers) for n in args.sizes}
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    n_tables = len(next(iter(results.values()))["rows"])
    print(
        f"{len(records)} real records replicated; pages of {PAGE_SIZE}; {n_tables} tables written; "
        f"{workers} normalising process(es)"
    )
    for n, r in results.items():
        rate = n / r["seconds"]
        rss, others = r["peak_rss_mb"], r["others_peak_rss_mb"]
        print(
            f"{n:>7,} studies: {r['seconds']:6.2f} s  {rate:7,.0f} studies/s  peak RSS {rss:6.0f} MB "
            f"(largest other process {others:.0f} MB)"
        )
    smallest, largest = results[min(results)], results[max(results)]
    growth = largest["peak_rss_mb"] / smallest["peak_rss_mb"]
    rate = max(results) / largest["seconds"]
    print(f"peak RSS growth {min(results):,} -> {max(results):,}: {growth:.2f}x (limit {MAX_RSS_GROWTH}x)")
    print(f"rate at {max(results):,} studies: {rate:,.0f} studies/s (target {TARGET_STUDIES_PER_S:,})")
    if growth > MAX_RSS_GROWTH or rate < TARGET_STUDIES_PER_S:
        raise SystemExit("benchmark target missed")


if __name__ == "__main__":
    main()
