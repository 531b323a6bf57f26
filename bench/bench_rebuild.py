"""Benchmark: ``evidence rebuild`` end to end on the heavy corpus, with ctgforge on the same files.

What a user waits for: the real command (``pipeline.cli.main``, Prefect flow, temporary server and
all) in a fresh process, over a raw zone of real paged /studies responses. The corpus is synthetic
load made of real records: every full record in the fixtures' ``ctgov/studies`` (large industry
records with results, the 1,148-site NCT04267848) and the 35 ``ctgov/migraine`` ones, replicated
round-robin with rewritten nctIds into pages of 1,000 (``bench_normalise_ctgov.build_raw_run``).

Printed per size: studies/s, each step's wall time, share, CPU and own peak RSS (normalise,
classify, build, CSV; "start-up" is imports + Prefect's temporary server + flow run until the first
step, "orchestration" the flow's bookkeeping between steps and at the end), the peak RSS of the
whole process tree (sampled; the main process's exact ``ru_maxrss`` beside it), then ctgforge
flattening the same raw pages in a fresh process (gunzip + parse + ``flatten_core`` + DataFrame),
as documented and with the GC paused, and the ratios. Step CPU is the process's, so it includes
DuckDB's and pyarrow's worker threads.

The machine is shared: run it more than once, compare CPU as well as wall time, and read the load
average printed with each run.

    .venv/bin/pip install -e '.[bench]'   # ctgforge, a benchmark-only dependency
    .venv/bin/python bench/bench_rebuild.py [--studies 20000 ...] [--workdir DIR] [--no-ctgforge]
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
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network here: only log noise
os.environ.setdefault("DO_NOT_TRACK", "1")
BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
sys.path[:0] = [str(REPO_ROOT), str(BENCH)]

from bench_incremental import bench_settings  # noqa: E402
from bench_normalise_ctgov import PAGE_SIZE, RUN_ID, build_raw_run, fixtures_dir, load_records  # noqa: E402
from process_tree import StepPeaks, TreePeak  # noqa: E402

STEPS = {"normalise": "normalise", "classify": "classify", "build": "build", "export": "csv"}
TARGET_STUDIES_PER_S = 3000
TARGET_CTGFORGE_RATIO = 2.0
TARGET_CLASSIFY_SHARE = 0.10
TARGET_PEAK_MB_20K = 600
MAX_RSS_GROWTH = 1.5
GC_MODES = ("on", "paused")  # ctgforge as documented, and with the GC paused like our normaliser


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
    from pipeline.cli import main

    with open(os.devnull, "w") as sink:  # the summary table is not the measurement
        stdout, sys.stdout = sys.stdout, sink
        try:
            code = main(["--config", str(config), "rebuild"])
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


def write_config(workdir: Path) -> Path:
    settings = bench_settings(workdir, "https://clinicaltrials.gov/api/v2", 1.0)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False))
    return path


def run_measured(args: list[str], out: Path, log: Path) -> tuple[dict[str, Any], float, TreePeak, float]:
    """Run this script in a fresh process; returns its result, wall seconds, tree peak, tree CPU."""
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


def bench_size(records: list[tuple[bytes, bytes]], n: int, workdir: Path, ctgforge: bool) -> dict[str, Any]:
    base = workdir / f"n{n}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    config = write_config(base)
    build_raw_run(records, n, base / "data" / "raw")
    raw_mb = sum(p.stat().st_size for p in (base / "data" / "raw").rglob("*.gz")) / 2**20
    load = os.getloadavg()[0]
    rebuild, wall, tree, cpu = run_measured(
        ["--worker", str(config), str(base / "rebuild.json")], base / "rebuild.json", base / "rebuild.log"
    )
    report: dict[str, Any] = {
        "n": n,
        "raw_mb": raw_mb,
        "load": load,
        "wall": wall,
        "cpu": cpu,
        "tree_peak_mb": tree.peak_mb,
        "tree_processes": tree.peak_processes,
        **rebuild,
    }
    if ctgforge:
        raw_run = base / "data" / "raw" / "ctgov" / RUN_ID
        for gc_mode in GC_MODES:
            out, log = base / f"ctgforge-{gc_mode}.json", base / f"ctgforge-{gc_mode}.log"
            forge, forge_wall, _, _ = run_measured(["--ctgforge", str(raw_run), str(out), gc_mode], out, log)
            report[f"ctgforge {gc_mode}"] = {**forge, "wall": forge_wall}
    return report


def print_report(r: dict[str, Any]) -> list[str]:
    """Print one size's results; returns the targets it missed."""
    n, wall = r["n"], r["wall"]
    steps = r["steps"]
    print(
        f"\n{n:,} studies ({r['raw_mb']:.0f} MB gzipped raw), load average {r['load']:.1f} at start: "
        f"evidence rebuild {wall:.1f} s wall = {n / wall:,.0f} studies/s; CPU {r['cpu']:.1f} s (process tree)"
    )
    first, last = min(s["start"] for s in steps), max(s["end"] for s in steps)
    # (label, key of step_peak_mb, seconds, CPU seconds or None)
    rows = [("start-up (imports, Prefect server, flow run)", "start-up", first - r["start"], None)]
    for label in STEPS.values():
        mine = [s for s in steps if s["step"] == label]
        rows.append((label, label, sum(s["end"] - s["start"] for s in mine), sum(s["cpu"] for s in mine)))
    in_steps = sum(row[2] for row in rows)
    rows.append(("orchestration (between steps, shutdown)", "orchestration", wall - in_steps, None))
    for label, key, seconds, cpu in rows:
        cpu_text = f"CPU {cpu:5.1f} s" if cpu is not None else " " * 11
        peak = r["step_peak_mb"].get(key)
        peak_text = f"main process peak {peak:5.0f} MB" if peak else ""
        print(f"  {label:<46} {seconds:6.1f} s {seconds / wall:6.1%}  {cpu_text}  {peak_text}")
    print(
        f"  peak RSS of the process tree {r['tree_peak_mb']:.0f} MB ({r['tree_processes']} processes); "
        f"main process {r['main_peak_mb']:.0f} MB; last step ended {wall - (last - r['start']):.1f} s "
        "before exit"
    )
    missed = []
    classify_share = sum(s["end"] - s["start"] for s in steps if s["step"] == "classify") / wall
    rate = n / wall
    if classify_share >= TARGET_CLASSIFY_SHARE:
        missed.append(f"classify {classify_share:.1%} of the rebuild (target < {TARGET_CLASSIFY_SHARE:.0%})")
    if rate < TARGET_STUDIES_PER_S:
        missed.append(f"{rate:,.0f} studies/s (target >= {TARGET_STUDIES_PER_S:,})")
    if n == 20_000 and r["tree_peak_mb"] > TARGET_PEAK_MB_20K:
        missed.append(f"peak RSS {r['tree_peak_mb']:.0f} MB at 20,000 (target < {TARGET_PEAK_MB_20K})")
    for gc_mode in GC_MODES:
        forge = r.get(f"ctgforge {gc_mode}")
        if not forge:
            continue
        seconds = forge["parse_s"] + forge["flatten_s"] + forge["frame_s"]
        forge_rate = forge["n_studies"] / seconds
        ratio = rate / forge_rate
        cpu_ratio = (n / r["cpu"]) / (forge["n_studies"] / forge["cpu_s"])
        print(
            f"  ctgforge, GC {gc_mode}: parse {forge['parse_s']:.1f} s + "
            f"flatten {forge['flatten_s']:.1f} s + DataFrame {forge['frame_s']:.1f} s = "
            f"{forge_rate:,.0f} studies/s, CPU {forge['cpu_s']:.1f} s "
            f"({forge['rejected']:,} of {forge['n_studies']:,} refused by its validation, timed too), "
            f"peak RSS {forge['peak_mb']:.0f} MB"
        )
        print(
            f"    rebuild / ctgforge: {ratio:.2f}x by wall time, {cpu_ratio:.2f}x by CPU time "
            f"(studies per CPU second, less sensitive to a busy machine)"
            + (f"; target >= {TARGET_CTGFORGE_RATIO:.0f}x" if gc_mode == "on" else "")
        )
        if gc_mode == "on" and ratio < TARGET_CTGFORGE_RATIO:
            missed.append(f"{ratio:.2f}x ctgforge (target >= {TARGET_CTGFORGE_RATIO:.0f}x)")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[20_000])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed")
    parser.add_argument("--no-ctgforge", action="store_true", help="skip the ctgforge comparison")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ctgforge", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return rebuild_worker(*args.worker)
    if args.ctgforge:
        raw_run, out, gc_mode = args.ctgforge
        return ctgforge_worker(Path(raw_run), Path(out), gc_mode)

    ctgforge = not args.no_ctgforge
    if ctgforge:
        try:
            import ctgforge as _  # noqa: F401
        except ImportError:
            sys.exit("ctgforge is not installed: pip install -e '.[bench]' (or --no-ctgforge)")
    records = load_records(fixtures_dir())
    print(f"{len(records)} real records replicated round-robin, pages of {PAGE_SIZE}", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    missed: list[str] = []
    results = []
    try:
        for n in args.studies:
            results.append(bench_size(records, n, workdir, ctgforge))
            missed += [f"{n:,}: {m}" for m in print_report(results[-1])]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if len(results) > 1:
        small, large = min(results, key=lambda r: r["n"]), max(results, key=lambda r: r["n"])
        growth = large["tree_peak_mb"] / small["tree_peak_mb"]
        sizes = f"{small['n']:,} -> {large['n']:,}"
        print(f"\npeak RSS growth {sizes}: {growth:.2f}x (target <= {MAX_RSS_GROWTH}x)")
        if growth > MAX_RSS_GROWTH:
            missed.append(f"peak RSS grows {growth:.2f}x (target <= {MAX_RSS_GROWTH}x)")
    if missed:
        raise SystemExit("targets missed:\n  " + "\n  ".join(missed))


if __name__ == "__main__":
    main()
