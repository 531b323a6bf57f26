"""Benchmark: a full refresh vs incremental nights, ClinicalTrials.gov side, through the whole pipeline.

Synthetic load (clearly not real data): the real recorded study records (the shared fixtures'
``ctgov/studies`` and ``ctgov/migraine``, else on a bare clone the records packaged for the demo) are
replicated round-robin under rewritten nctIds to ``--studies`` records, with lastUpdatePostDate spread
over 2015-2024, and served by the recorded-response test server with the live API's paging. Each night
runs the same steps as the ``refresh`` flow (``flows/refresh.py``), in its order, without Prefect (whose
~1 s per flow call is not the pipeline's cost): under the refresh lock, plan, recover, fetch, normalise,
classify, derive (the outcome tables the build requires), build with all data checks, export CSV, forest
plots, HTML report, run report, finish (as failed on any error). Three nights: full; incremental with
nothing changed; incremental with ``--changed`` (default 1%) of the studies given a later
lastUpdatePostDate. Printed: time, requests and the slowest steps per night, and the two ratios the
issue sets targets for (quiet night: at most 2 requests plus the drift slice, under 10 s; 1% night:
under 5% of the full night's time). HTTP politeness limits are off by default (``--requests-per-second``
to apply one): with the live API's 1 request/s the full pull's page count, not CPU, dominates.

    .venv/bin/python bench/bench_incremental.py [--studies 50000] [--changed 0.01] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import copy
import logging
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline import steps  # noqa: E402
from pipeline.config import Settings, load_config  # noqa: E402
from pipeline.raw.zone import new_run_id  # noqa: E402
from pipeline.runs.lock import refresh_lock  # noqa: E402
from tests.servers.corpus import active_corpus  # noqa: E402
from tests.servers.ctgov_server import CtgovRecordedServer  # noqa: E402

QUIET_NIGHT_MAX_S = 10.0
CHANGED_NIGHT_MAX_RATIO = 0.05


def synthetic_studies(n: int) -> list[dict[str, Any]]:
    real = active_corpus().studies()
    out = []
    for i in range(n):
        study = copy.deepcopy(real[i % len(real)])
        protocol = study["protocolSection"]
        protocol["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        status = protocol.setdefault("statusModule", {})
        status["lastUpdatePostDateStruct"] = {"date": f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
        out.append(study)
    return out


def bench_settings(workdir: Path, base_url: str, rate: float) -> Settings:
    repo = load_config(REPO_ROOT / "config.yaml")
    data = repo.model_dump(mode="json", exclude={"storage", "warehouse", "export", "report"})
    data["sources"]["ctgov"].update(base_url=base_url, page_size=1000)
    data["sources"]["ctgov"]["http"].update(requests_per_second=rate, backoff_initial_seconds=0.05)
    return Settings.model_validate(
        {
            **data,
            "storage": {"data_dir": str(workdir / "data")},
            "warehouse": {"path": str(workdir / "evidence.duckdb")},
            "export": {"csv_path": str(workdir / "evidence.csv")},
            "report": {"dir": str(workdir / "report")},  # config.yaml's is relative to the caller's folder
        }
    )


def night(settings: Settings, server: CtgovRecordedServer, full: bool) -> dict[str, Any]:
    """The refresh flow's steps for ctgov, in its order; returns seconds (in all and per step), requests
    and counts."""
    n_before = len(server.studies_requests()) + sum(1 for r in server.requests if r.path.endswith("/version"))
    timings: dict[str, float] = {}

    def timed(name: str, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        result = step(*args, **kwargs)
        timings[name] = time.perf_counter() - began
        return result

    start = time.perf_counter()
    run_id = new_run_id()
    with refresh_lock(settings.storage.data_dir, f"bench night {run_id}"):
        plans = timed("plan", steps.plan_run, settings, run_id, "ctgov", full)
        try:
            timed("recover", steps.recover, settings, run_id, "ctgov")
            manifest = timed("fetch", steps.fetch, settings, "ctgov", run_id, plan=plans["ctgov"])
            timed("normalise", steps.normalise, settings, "ctgov", run_id)
            timed("classify", steps.classify, settings, "ctgov", run_id)
            timed("derive", steps.derive, settings, "ctgov", run_id)
            timed("build", steps.build, settings)
            timed("export", steps.export, settings)
            timed("plots", steps.plots, settings)
            timed("html report", steps.html_report, settings)
            timed("run report", steps.report, settings, run_id)
        except BaseException as exc:
            steps.finish_run(settings, run_id, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
            raise
        timed("finish", steps.finish_run, settings, run_id, "succeeded")
    seconds = time.perf_counter() - start
    n_after = len(server.studies_requests()) + sum(1 for r in server.requests if r.path.endswith("/version"))
    return {
        "seconds": seconds,
        "steps": timings,
        "requests": n_after - n_before,
        "drift_requests": len(manifest["drift"]["queries"]),
        "mode": plans["ctgov"]["mode"],
        "fetched": manifest["n_records"],
        "drift": manifest["drift"]["n_records"],
    }


def slowest(timings: dict[str, float], n: int = 4) -> str:
    return ", ".join(f"{name} {t:.2f}" for name, t in sorted(timings.items(), key=lambda kv: -kv[1])[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of studies changed on night 3")
    parser.add_argument("--requests-per-second", type=float, default=1000.0)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_incremental_"))
    shutil.rmtree(workdir / "data", ignore_errors=True)
    print(f"building {args.studies} synthetic studies from the recorded records ...", flush=True)
    studies = synthetic_studies(args.studies)
    with CtgovRecordedServer(studies) as server:
        settings = bench_settings(workdir, server.base_url, args.requests_per_second)
        full = night(settings, server, full=True)
        quiet = night(settings, server, full=False)
        n_changed = math.ceil(args.studies * args.changed)
        for study in server.studies[:: max(1, len(server.studies) // n_changed)][:n_changed]:
            study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-20"}
        changed = night(settings, server, full=False)
    for name, result in (("full", full), ("quiet incremental", quiet), (f"{n_changed} changed", changed)):
        print(
            f"{name:>20}: {result['seconds']:7.2f} s, {result['requests']:3d} requests "
            f"({result['drift_requests']} drift), {result['fetched']} fetched + {result['drift']} drift, "
            f"mode {result['mode']}"
        )
        print(f"{'':>20}  slowest steps (s): {slowest(result['steps'])}")
    base_requests = quiet["requests"] - quiet["drift_requests"]
    quiet_ok = base_requests <= 2 and quiet["seconds"] < QUIET_NIGHT_MAX_S
    ratio = changed["seconds"] / full["seconds"]
    print(
        f"quiet night: {base_requests} requests + {quiet['drift_requests']} drift, "
        f"{quiet['seconds']:.2f} s = {quiet['seconds'] / full['seconds']:.1%} of full "
        f"(target <= 2 + drift, < {QUIET_NIGHT_MAX_S:.0f} s): {'OK' if quiet_ok else 'MISSED'}"
    )
    print(
        f"{args.changed:.0%} changed night / full night = {ratio:.1%} "
        f"(target < {CHANGED_NIGHT_MAX_RATIO:.0%}): {'OK' if ratio < CHANGED_NIGHT_MAX_RATIO else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
