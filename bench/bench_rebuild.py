"""Benchmark: ``evidence rebuild`` end to end on the heavy corpus, with ctgforge on the same files.

What a user waits for: the real command (``pipeline.cli.main``, Prefect flow, temporary server and
all) in a fresh process, over a raw zone of real paged /studies responses. The corpus is synthetic
load made of real records: every full record in the fixtures' ``ctgov/studies`` (large industry
records with results, the 1,148-site NCT04267848) and the 35 ``ctgov/migraine`` ones, replicated
round-robin with rewritten nctIds into pages of 1,000 (``bench_normalise_ctgov.build_raw_run``).

Printed per size (``rebuild_report.py``): studies/s, each step's wall time, share, CPU and peak
memory (normalise, which classifies and derives each page as it goes, classify, derive, build,
CSV, forest plots, HTML report; "start-up" is imports + Prefect's server + flow
run until the first step, "orchestration" the flow's bookkeeping between steps and at the end),
normalise's own rate, the peak memory of the pipeline's processes (the command and those normalising
pages beside it) and of Prefect's server apart (``process_tree.py`` says how each is counted), then
ctgforge flattening the same raw pages in a fresh process (gunzip + parse + ``flatten_core`` +
DataFrame), as documented and with the GC paused, and the ratios. Step CPU is the command's own
process, so it includes DuckDB's and pyarrow's worker threads but not the other normalising
processes; the total CPU is the whole tree's.

The machine is shared: run it more than once, compare CPU as well as wall time, and read the load
average printed with each run.

    .venv/bin/pip install -e '.[bench]'   # ctgforge, a benchmark-only dependency
    .venv/bin/python bench/bench_rebuild.py [--studies 20000 ...] [--workdir DIR] [--no-ctgforge]
        [--workers N] [--with-server]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network here: only log noise
os.environ.setdefault("DO_NOT_TRACK", "1")
BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
sys.path[:0] = [str(REPO_ROOT), str(BENCH)]

# What the `evidence` script imports: the processes that normalise pages beside the measured command
# import this file again (multiprocessing's 'spawn'), so it must weigh what the script does. The
# driver's own imports are in main().
from pipeline.console import entry  # noqa: E402, I001
from process_tree import StepPeaks, TreePeak  # noqa: E402
from rebuild_report import GC_MODES  # noqa: E402

STEPS = {
    "normalise": "normalise",
    "classify": "classify",
    "derive": "derive",
    "build": "build",
    "export": "csv",
    "plots": "plots",
    "html_report": "report",
}
WINDOWS = ("start-up", "normalise", "classify", "derive", "build", "csv", "plots", "report", "orchestration")


# -- in the measured process -------------------------------------------------------------------------


def rebuild_worker(config: Path, out: Path) -> None:
    """Time each pipeline step inside the real ``evidence rebuild`` (Prefect tasks call these)."""
    peaks = StepPeaks()
    from pipeline import steps

    timings: list[dict[str, Any]] = []

    def timed(label: str, step: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            peaks.step = label
            wall, cpu = time.time(), time.process_time()
            try:
                return step(*args, **kwargs)
            finally:
                timings.append(
                    {"step": label, "start": wall, "end": time.time(), "cpu": time.process_time() - cpu}
                )
                peaks.step = "orchestration"

        return run

    for name, label in STEPS.items():
        setattr(steps, name, timed(label, getattr(steps, name)))
    import pipeline.cli

    command = pipeline.cli.main

    def main_then_record() -> int:
        with open(os.devnull, "w") as sink:  # the summary table is not the measurement
            stdout, sys.stdout = sys.stdout, sink
            try:
                code = command(["--config", str(config), "rebuild"])
            finally:
                sys.stdout = stdout
        own = resource.getrusage(resource.RUSAGE_SELF)
        result = {
            "exit_code": code,
            "steps": timings,
            "step_peak_mb": peaks.stop(),
            "main_peak_mb": own.ru_maxrss / 1024,
            "main_cpu_s": own.ru_utime + own.ru_stime,
        }
        out.write_text(json.dumps(result))
        return code

    pipeline.cli.main = main_then_record  # run as the script runs it, its exit included
    entry.run()


def ctgforge_worker(raw_run: Path, out: Path, gc_mode: str) -> None:
    """ctgforge on the same gzipped pages: parse, flatten every study, one DataFrame.

    ``gc_mode`` "on": as its documentation uses it. "paused": Python's cyclic GC off, as our normaliser
    pauses it per page; collections over the millions of parsed containers otherwise more than double
    the parse time. Both are printed; the target is judged against the documented use.
    """
    import gc
    import gzip

    import orjson
    from ctgforge.export import to_dataframe
    from ctgforge.flatten import flatten_core
    from pydantic import ValidationError

    parse_s = flatten_s = 0.0
    trials, rejected = [], 0
    cpu = time.process_time()
    if gc_mode == "paused":
        gc.disable()
    for page in sorted(raw_run.glob("page-*.json.gz")):
        start = time.perf_counter()
        studies = orjson.loads(gzip.decompress(page.read_bytes()))["studies"]
        parse_s += time.perf_counter() - start
        start = time.perf_counter()
        for study in studies:
            try:
                trials.append(flatten_core(study))
            except ValidationError:  # it refuses records without a sponsor class, among others
                rejected += 1
        flatten_s += time.perf_counter() - start
    start = time.perf_counter()
    frame = to_dataframe(trials)
    frame_s = time.perf_counter() - start
    result = {
        "cpu_s": time.process_time() - cpu,
        "n_studies": len(trials) + rejected,
        "rejected": rejected,
        "rows": len(frame),
        "parse_s": parse_s,
        "flatten_s": flatten_s,
        "frame_s": frame_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    out.write_text(json.dumps(result))


# -- the driver ----------------------------------------------------------------------------------------


def write_config(workdir: Path, workers: int | None) -> Path:
    from bench_incremental import bench_settings

    settings = bench_settings(workdir, "https://clinicaltrials.gov/api/v2", 1.0)
    data = settings.model_dump(mode="json")
    data["resources"]["normalise_workers"] = workers
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run_measured(args: list[str], out: Path, log: Path) -> tuple[dict[str, Any], float, TreePeak, float]:
    """Run this script in a fresh process; returns its result, wall seconds, tree samples, tree CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, __file__, *args], stdout=sink, stderr=subprocess.STDOUT)
        with TreePeak(proc.pid) as tree:
            code = proc.wait()
    wall = time.time() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed with exit code {code}; see {log}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(out.read_text())
    result["start"] = start
    return result, wall, tree, cpu


def memory_windows(rebuild: dict[str, Any], tree: TreePeak, end: float) -> dict[str, dict[str, float]]:
    """The pipeline's peak PSS and RSS (all its processes, the server apart) during each step."""
    measures = ("pipeline_pss", "pipeline_rss")
    spans: dict[str, list[tuple[float, float]]] = {label: [] for label in WINDOWS}
    steps = sorted(rebuild["steps"], key=lambda s: s["start"])
    spans["start-up"].append((rebuild["start"], steps[0]["start"]))
    for step, after in zip(steps, [*steps[1:], None], strict=True):
        spans[step["step"]].append((step["start"], step["end"]))
        spans["orchestration"].append((step["end"], after["start"] if after else end))
    return {
        label: {m: max((tree.peak(m, a, b) for a, b in found), default=0.0) for m in measures}
        for label, found in spans.items()
    }


def bench_size(
    records: list[tuple[bytes, bytes]], n: int, workdir: Path, ctgforge: bool, workers: int | None
) -> dict[str, Any]:
    from bench_normalise_ctgov import RUN_ID, build_raw_run

    from pipeline.parquet.parallel import default_workers

    base = workdir / f"n{n}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    config = write_config(base, workers)
    build_raw_run(records, n, base / "data" / "raw")
    raw_mb = sum(p.stat().st_size for p in (base / "data" / "raw").rglob("*.gz")) / 2**20
    load = os.getloadavg()[0]
    rebuild, wall, tree, cpu = run_measured(
        ["--worker", str(config), str(base / "rebuild.json")], base / "rebuild.json", base / "rebuild.log"
    )
    measures = ("pipeline_rss", "pipeline_pss", "server_rss", "server_pss", "total_rss", "total_pss")
    report: dict[str, Any] = {
        "n": n,
        "raw_mb": raw_mb,
        "load": load,
        "wall": wall,
        "cpu": cpu,
        "workers": workers or default_workers(),
        "prefect": "running server" if os.environ.get("PREFECT_API_URL") else "temporary server",
        "peaks": {m: tree.peak(m) for m in measures},
        "processes": tree.processes_at_peak(),
        "windows": memory_windows(rebuild, tree, rebuild["start"] + wall),
        **rebuild,
    }
    if ctgforge:
        raw_run = base / "data" / "raw" / "ctgov" / RUN_ID
        for gc_mode in GC_MODES:
            out, log = base / f"ctgforge-{gc_mode}.json", base / f"ctgforge-{gc_mode}.log"
            forge, forge_wall, _, _ = run_measured(["--ctgforge", str(raw_run), str(out), gc_mode], out, log)
            report[f"ctgforge {gc_mode}"] = {**forge, "wall": forge_wall}
    return report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[20_000])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed")
    parser.add_argument("--no-ctgforge", action="store_true", help="skip the ctgforge comparison")
    parser.add_argument(
        "--workers", type=int, default=None, help="resources.normalise_workers (default: one per core)"
    )
    parser.add_argument(
        "--with-server",
        action="store_true",
        help="start one Prefect server for all runs and point them at it (PREFECT_API_URL), as "
        "docs/OPERATIONS.md advises; by default each run starts Prefect's temporary server",
    )
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ctgforge", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args()


def run_sizes(args: argparse.Namespace, workdir: Path) -> list[str]:
    from bench_normalise_ctgov import PAGE_SIZE, fixtures_dir, load_records
    from rebuild_report import print_growth, print_report

    records = load_records(fixtures_dir())
    print(f"{len(records)} real records replicated round-robin, pages of {PAGE_SIZE}", flush=True)
    missed: list[str] = []
    results = []
    for n in args.studies:
        results.append(bench_size(records, n, workdir, not args.no_ctgforge, args.workers))
        missed += [f"{n:,}: {m}" for m in print_report(results[-1])]
    if len(results) > 1:
        print()
        missed += print_growth(results)
    return missed


def main() -> None:
    args = parse_args()
    if args.worker:
        return rebuild_worker(*args.worker)
    if args.ctgforge:
        raw_run, out, gc_mode = args.ctgforge
        return ctgforge_worker(Path(raw_run), Path(out), gc_mode)
    if not args.no_ctgforge:
        try:
            import ctgforge as _  # noqa: F401
        except ImportError:
            sys.exit("ctgforge is not installed: pip install -e '.[bench]' (or --no-ctgforge)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    try:
        with ExitStack() as stack:
            if args.with_server:
                from flows.local_server import local_server, using_api

                api_url = stack.enter_context(local_server(120.0, workdir / "prefect-server.log"))
                stack.enter_context(using_api(api_url))
            missed = run_sizes(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if missed:
        raise SystemExit("targets missed:\n  " + "\n  ".join(missed))


if __name__ == "__main__":
    main()
