"""Bringing the Parquet tables level with the raw zone before a refresh builds anything.

A run killed after its fetch completed leaves a complete raw run (manifest written) whose Parquet,
classifier or derived partitions are missing, half published (the normaliser renames one table at a
time) or older than the manifest. Those are re-normalised, re-classified and derived again here, so the
data that run paid for is used. A classification or derived partition stamped with another config
than today's (edited treatment classes or endpoint taxonomy, or an unstamped classification from an
older release) is classified or derived again too. A raw run without a manifest was cut off mid-fetch: it
is never normalised; the next fetch of its source may resume it (``resume_candidate``), and until one
does it is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.classify.run_classes import classes_config_digest
from pipeline.config import Settings
from pipeline.parquet.stamp import read_stamp
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.raw.zone import MANIFEST, RawRun, RawZone
from pipeline.sources import registry


@dataclass(frozen=True)
class StaleRun:
    source: str
    run_id: str
    needs_normalise: bool  # its normalised tables are missing or older than its manifest
    needs_classify: bool = True  # classes missing, older than the records or of another config
    needs_derive: bool = True  # a derived table is missing, older than the records or of another config


def stale_runs(settings: Settings, sources: tuple[str, ...]) -> list[StaleRun]:
    """Complete raw runs whose partitions are missing or older than their manifest, or whose classifier
    or derived partitions are missing, older than their records or stamped with another config, oldest
    first."""
    zone = RawZone(settings.raw_dir)
    found = []
    for source in sources:
        spec = registry.get(source)
        tables, records, classes = tuple(spec.tables), spec.record_table, spec.classification.table
        derived = {t: d.config_digest(settings) for d in spec.derivations for t in d.tables}
        classes_digest = classes_config_digest(settings)
        root = settings.parquet_dir / source
        for run in zone.complete_runs(source):
            manifest_time = (run.path / MANIFEST).stat().st_mtime
            times = {t: _part_mtime(root, t, run.run_id) for t in (*tables, classes, *derived)}
            if any(times[t] is None or times[t] < manifest_time for t in tables):
                found.append(StaleRun(source, run.run_id, needs_normalise=True))
                continue
            since = times[records] or 0
            classify = _outdated(root, classes, run.run_id, times[classes], since, classes_digest)
            derive = any(
                _outdated(root, t, run.run_id, times[t], since, digest) for t, digest in derived.items()
            )
            if classify or derive:
                found.append(StaleRun(source, run.run_id, False, classify, derive))
    return found


def incomplete_raw_runs(
    settings: Settings, sources: tuple[str, ...], exclude: str | None = None
) -> list[str]:
    """``source:run_id`` of raw runs cut off mid-fetch that no later run took over (so unused),
    except the run now fetching."""
    zone = RawZone(settings.raw_dir)
    return [
        f"{source}:{run.run_id}"
        for source in sources
        for run in zone.runs(source)
        if not run.complete and run.run_id != exclude and _has_pages(run) and run.taken_over_by() is None
    ]


def resume_candidate(settings: Settings, source: str, exclude: str) -> RawRun | None:
    """The cut-off run a new fetch of ``source`` may resume: the newest run without a manifest, if
    it is newer than the source's newest complete run and no run took it over yet.

    Only the newest: an older cut-off run was already passed over (or its pages taken over) by a
    later run. Whether its plan matches is for the source's ``fetch_run`` to decide.
    """
    runs = [r for r in RawZone(settings.raw_dir).runs(source) if r.run_id != exclude]
    newest_complete = max((r.run_id for r in runs if r.complete), default="")
    # A run that died before its first response stored nothing: it passed over no one.
    cut_off = [r for r in runs if not r.complete and r.run_id > newest_complete and _has_pages(r)]
    if not cut_off or cut_off[-1].taken_over_by() is not None or cut_off[-1].started() is None:
        return None
    return cut_off[-1]


def _has_pages(run: RawRun) -> bool:
    """At least one response stored (``started.json`` alone is not a page)."""
    return bool(run.pages())


def _outdated(root: Path, table: str, run_id: str, written: float | None, since: float, digest: str) -> bool:
    """A classification or derived partition written never, before ``since`` or with another config."""
    return written is None or written < since or _stamp(root, table, run_id) != digest


def _stamp(root: Path, table: str, run_id: str) -> str | None:
    return read_stamp(partition_dir(root, table, run_id) / PART_FILE)


def _part_mtime(root: Path, table: str, run_id: str) -> float | None:
    try:
        return (partition_dir(root, table, run_id) / PART_FILE).stat().st_mtime
    except FileNotFoundError:
        return None
