"""normalise_run with several processes writes exactly what the sequential path writes.

Real records and a replicated set (rewritten nctIds, registry codes the normaliser does not know) in
many pages with their own fetch times, a full pull and an incremental night (drift pages, unchanged
re-reads): every Parquet file is compared byte for byte, and the summaries value for value, in order.
The same holds when a run is too small to be worth other processes and is normalised here alone.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet import parallel
from pipeline.raw.zone import Origin, RawRun, RawZone
from pipeline.sources.ctgov.normalise.run import NormaliseSummary, normalise_run
from tests.normalisers.conftest import PoolWatch, other_processes_from
from tests.normalisers.test_ctgov_normalise_run import real_studies
from tests.servers.corpus import RecordedCorpus

FULL, NIGHT = "20260101T030000Z-aaaa", "20260102T030000Z-bbbb"
# (name, workers, the raw bytes from which other processes are used): one process; three, whatever the
# run's size; three allowed, but the runs are too small to start any.
PATHS = (("one", 1, 0), ("three", 3, 0), ("small", 3, None))


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def replicated(studies: list[dict], n: int, unknown: dict[int, str]) -> list[dict]:
    """``n`` copies round-robin with new nctIds; study i gets overallStatus ``unknown[i]`` if listed."""
    copies = []
    for i in range(n):
        study = copy.deepcopy(studies[i % len(studies)])
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        if i in unknown:
            # Some transcribed records have no statusModule: the unknown code needs one to live in.
            study["protocolSection"].setdefault("statusModule", {})["overallStatus"] = unknown[i]
        copies.append(study)
    return copies


def write_run(root: Path, run_id: str, mode: str, pages: dict[str, list[dict] | bytes]) -> RawRun:
    run = RawZone(root).start_run("ctgov", run_id)
    for i, (name, studies) in enumerate(pages.items()):
        body = studies if isinstance(studies, bytes) else orjson.dumps({"studies": studies})
        run.write_page(
            f"{name}.json",
            body,
            Origin(
                url="https://clinicaltrials.gov/api/v2/studies",
                params={"pageSize": 1000},
                http_status=200,
                fetched_at=f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T03:{i // 60:02d}:{i % 60:02d}.250Z",
            ),
            n_records=1 if isinstance(studies, bytes) else len(studies),
        )
    run.finish({"mode": mode, "data_timestamp": "2026-01-01T09:00:00", "total_count": 0, "n_records": 0})
    return run


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def ordered(summary: NormaliseSummary) -> list[tuple[str, object]]:
    """The summary as logged, with the order of its counters (ties keep the order they were met in)."""
    return [(key, list(v.items()) if isinstance(v, dict) else v) for key, v in summary.as_record().items()]


@pytest.fixture
def runs(tmp_path: Path, corpus: RecordedCorpus) -> tuple[RawRun, RawRun]:
    real = real_studies(corpus)
    # Two unknown codes met equally often: FOO_LATE on a later page than FOO_EARLY.
    copies = replicated(real, 200, {30: "FOO_EARLY", 31: "FOO_EARLY", 160: "FOO_LATE", 161: "FOO_LATE"})
    per_page = -(-len(real) // 6)  # the served records in six pages, whichever set is served
    pages = {f"page-{i + 1:06d}": real[i * per_page : (i + 1) * per_page] for i in range(6)}
    pages |= {f"page-{i + 7:06d}": copies[i * 25 : (i + 1) * 25] for i in range(8)}
    full = write_run(tmp_path / "raw", FULL, "full", pages)
    changed = copy.deepcopy(copies[3])
    changed["protocolSection"]["identificationModule"]["briefTitle"] += " (amended)"
    night = write_run(
        tmp_path / "raw",
        NIGHT,
        "incremental",
        {
            "page-000001": copies[:20],
            "drift001-000001": [changed, *copies[100:120]],
            "drift001-000002": copies[150:190],
        },
    )
    return full, night


def test_several_processes_write_the_sequential_files_and_summary(
    tmp_path: Path,
    runs: tuple[RawRun, RawRun],
    corpus: RecordedCorpus,
    pools: PoolWatch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outputs, summaries, started = {}, {}, {}
    for name, workers, from_bytes in PATHS:
        other_processes_from(monkeypatch, from_bytes)
        out = tmp_path / f"parquet-{name}"
        before = len(pools.sizes)
        summaries[name] = [ordered(normalise_run(run, out, workers=workers)) for run in runs]
        outputs[name] = files(out)
        started[name] = pools.sizes[before:]
    assert started == {"one": [], "three": [2, 2], "small": []}  # a pool of two more per run, or none
    assert outputs["three"] == outputs["one"] and outputs["small"] == outputs["one"]
    assert summaries["three"] == summaries["one"] and summaries["small"] == summaries["one"]
    full, night = summaries["one"]
    assert dict(full)["n_studies"] == len(real_studies(corpus)) + 200
    assert dict(full)["unknown_values"] == [("overallStatus=FOO_EARLY", 2), ("overallStatus=FOO_LATE", 2)]
    assert dict(night)["n_studies"] == 1 and dict(night)["n_unchanged_rereads"] == 80


def test_the_first_failing_page_is_reported_and_nothing_is_written(
    tmp_path: Path, corpus: RecordedCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = real_studies(corpus)
    pages: dict[str, list[dict] | bytes] = {f"page-{i + 1:06d}": real[i * 5 : (i + 1) * 5] for i in range(8)}
    pages["page-000003"] = b'{"studies": [{'  # page 3: not JSON
    pages["page-000007"] = orjson.dumps({"studies": [{"protocolSection": {}}]})  # page 7: no nctId
    run = write_run(tmp_path / "raw", FULL, "full", pages)
    errors = {}
    for name, workers, from_bytes in PATHS:
        other_processes_from(monkeypatch, from_bytes)
        out = tmp_path / f"parquet-{name}"
        with pytest.raises(NormaliseError) as caught:
            normalise_run(run, out, workers=workers)
        errors[name] = str(caught.value)
        assert [p for p in out.rglob("*") if p.is_file()] == []
    assert errors["three"] == errors["one"] and errors["small"] == errors["one"]
    assert "page-000003.json.gz: not valid JSON" in errors["one"]


def test_a_small_night_leaves_the_head_start_to_a_larger_run(
    tmp_path: Path, runs: tuple[RawRun, RawRun], pools: PoolWatch
) -> None:
    full, night = runs
    with parallel.head_start(2):
        normalise_run(night, tmp_path / "parquet", workers=2)  # a few small pages: normalised here
        assert pools.sizes == [1] and pools.waited == []  # the head start's pool, not given any page
        with pytest.MonkeyPatch.context() as patch:
            other_processes_from(patch, 0)
            normalise_run(full, tmp_path / "parquet", workers=2)  # worth another process: it takes it
    assert pools.sizes == [1]  # no second pool: the head start's was used, then stopped
    assert pools.waited == [False]
