"""What ``bench_rebuild.py`` prints for one corpus size, and the targets it checks (issue 14).

Memory is counted three ways, because the numbers answer different questions:
- the pipeline: the ``evidence rebuild`` process plus the processes normalising pages beside it, as
  the sum of their PSS (shared pages divided among the processes sharing them: what the machine
  holds) and of their RSS (what ``top`` adds up: shared pages counted once per process);
- Prefect's temporary server (a child process running uvicorn), apart: it is absent when
  ``PREFECT_API_URL`` names a running server;
- the whole tree (both), the measure the first runs of this benchmark reported.
The 600 MB target is judged on the pipeline's PSS, the flatness target on the pipeline's RSS.
"""

from __future__ import annotations

from typing import Any

TARGET_STUDIES_PER_S = 3000
TARGET_CTGFORGE_RATIO = 2.0
TARGET_CLASSIFY_SHARE = 0.10
TARGET_PEAK_MB_20K = 600
MAX_RSS_GROWTH = 1.5
GC_MODES = ("on", "paused")  # ctgforge as documented, and with the GC paused like our normaliser
STEP_LABELS = ("normalise", "classify", "derive", "build", "csv", "plots", "report")


def step_rows(r: dict[str, Any]) -> list[tuple[str, float, float | None, dict[str, float]]]:
    """(label, seconds, CPU seconds or None, peaks) per step, start-up and orchestration included."""
    steps, wall, start = r["steps"], r["wall"], r["start"]
    first = min(s["start"] for s in steps)
    rows = [("start-up (imports, Prefect server, flow run)", first - start, None, r["windows"]["start-up"])]
    for label in STEP_LABELS:
        mine = [s for s in steps if s["step"] == label]
        seconds = sum(s["end"] - s["start"] for s in mine)
        rows.append((label, seconds, sum(s["cpu"] for s in mine), r["windows"][label]))
    in_steps = sum(row[1] for row in rows)
    between = r["windows"]["orchestration"]
    rows.append(("orchestration (between steps, shutdown)", wall - in_steps, None, between))
    return rows


def print_steps(r: dict[str, Any]) -> None:
    wall = r["wall"]
    print(f"  {'':<46} {'wall':>8} {'share':>7}  {'CPU':>9}   pipeline peak PSS / RSS (main process)")
    for label, seconds, cpu, peaks in step_rows(r):
        cpu_text = f"{cpu:7.1f} s" if cpu is not None else " " * 9
        main = r["step_peak_mb"].get(label if label in STEP_LABELS else label.split(" ")[0], 0)
        pss = f"{peaks['pipeline_pss']:5.0f}" if peaks["pipeline_pss"] else "    -"  # too short to sample
        memory = f"{pss} / {peaks['pipeline_rss']:5.0f} MB ({main:4.0f} MB)"
        print(f"  {label:<46} {seconds:6.1f} s {seconds / wall:6.1%}  {cpu_text}   {memory}")
    normalise = next(row for row in step_rows(r) if row[0] == "normalise")
    print(f"  normalise alone: {r['n'] / normalise[1]:,.0f} studies/s with {r['workers']} process(es)")


def print_memory(r: dict[str, Any]) -> None:
    p = r["peaks"]
    server = (
        f"Prefect server {p['server_pss']:.0f} MB PSS / {p['server_rss']:.0f} MB RSS"
        if p["server_rss"]
        else "no Prefect server in the tree (PREFECT_API_URL set)"
    )
    print(
        f"  peak memory: pipeline {p['pipeline_pss']:.0f} MB PSS / {p['pipeline_rss']:.0f} MB RSS "
        f"({r['processes']} processes); {server}; whole tree {p['total_pss']:.0f} MB PSS / "
        f"{p['total_rss']:.0f} MB RSS; main process ru_maxrss {r['main_peak_mb']:.0f} MB"
    )


def print_ctgforge(r: dict[str, Any], rate: float) -> list[str]:
    missed = []
    for gc_mode in GC_MODES:
        forge = r.get(f"ctgforge {gc_mode}")
        if not forge:
            continue
        seconds = forge["parse_s"] + forge["flatten_s"] + forge["frame_s"]
        forge_rate = forge["n_studies"] / seconds
        ratio = rate / forge_rate
        cpu_ratio = (r["n"] / r["cpu"]) / (forge["n_studies"] / forge["cpu_s"])
        print(
            f"  ctgforge, GC {gc_mode}: parse {forge['parse_s']:.1f} s + "
            f"flatten {forge['flatten_s']:.1f} s + DataFrame {forge['frame_s']:.1f} s = "
            f"{forge_rate:,.0f} studies/s, CPU {forge['cpu_s']:.1f} s "
            f"({forge['rejected']:,} of {forge['n_studies']:,} refused by its validation, timed too), "
            f"peak RSS {forge['peak_mb']:.0f} MB"
        )
        print(
            f"    rebuild / ctgforge: {ratio:.2f}x by wall time, {cpu_ratio:.2f}x by CPU time "
            "(studies per CPU second, less sensitive to a busy machine)"
            + (f"; target >= {TARGET_CTGFORGE_RATIO:.0f}x" if gc_mode == "on" else "")
        )
        if gc_mode == "on" and ratio < TARGET_CTGFORGE_RATIO:
            missed.append(f"{ratio:.2f}x ctgforge (target >= {TARGET_CTGFORGE_RATIO:.0f}x)")
    return missed


def print_report(r: dict[str, Any]) -> list[str]:
    """Print one size's results; returns the targets it missed."""
    n, wall = r["n"], r["wall"]
    rate = n / wall
    print(
        f"\n{n:,} studies ({r['raw_mb']:.0f} MB gzipped raw), load average {r['load']:.1f} at start, "
        f"{r['workers']} normalising process(es), {r['prefect']}: evidence rebuild {wall:.1f} s wall = "
        f"{rate:,.0f} studies/s; CPU {r['cpu']:.1f} s (process tree)"
    )
    print_steps(r)
    print_memory(r)
    missed = []
    classify_share = sum(s["end"] - s["start"] for s in r["steps"] if s["step"] == "classify") / wall
    if classify_share >= TARGET_CLASSIFY_SHARE:
        missed.append(f"classify {classify_share:.1%} of the rebuild (target < {TARGET_CLASSIFY_SHARE:.0%})")
    if rate < TARGET_STUDIES_PER_S:
        missed.append(f"{rate:,.0f} studies/s (target >= {TARGET_STUDIES_PER_S:,})")
    pipeline_pss = r["peaks"]["pipeline_pss"]
    if n == 20_000 and pipeline_pss > TARGET_PEAK_MB_20K:
        missed.append(f"pipeline peak {pipeline_pss:.0f} MB PSS at 20,000 (target < {TARGET_PEAK_MB_20K})")
    return missed + print_ctgforge(r, rate)


def print_growth(results: list[dict[str, Any]]) -> list[str]:
    small, large = min(results, key=lambda r: r["n"]), max(results, key=lambda r: r["n"])
    sizes = f"{small['n']:,} -> {large['n']:,}"
    missed = []
    for measure in ("pipeline_rss", "pipeline_pss", "total_rss"):
        growth = large["peaks"][measure] / small["peaks"][measure]
        judged = measure == "pipeline_rss"
        target = f" (target <= {MAX_RSS_GROWTH}x)" if judged else ""
        print(f"peak {measure} growth {sizes}: {growth:.2f}x{target}")
        if judged and growth > MAX_RSS_GROWTH:
            missed.append(f"peak pipeline RSS grows {growth:.2f}x (target <= {MAX_RSS_GROWTH}x)")
    return missed
