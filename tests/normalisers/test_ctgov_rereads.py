"""Re-reads identical to the stored version (an incremental run's studies, drift pages): a ``rereads``
row, not a new version. A full pull keeps every study: its absences are what removes a trial."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import Origin, RawRun, RawZone
from pipeline.sources.ctgov.normalise.run import normalise_run
from tests.normalisers.test_ctgov_normalise_run import real_studies
from tests.servers.corpus import RecordedCorpus

FULL, NIGHT, FULL2, NIGHT2 = (
    "20260101T030000Z-aaaa",
    "20260102T030000Z-bbbb",
    "20260103T030000Z-cccc",
    "20260104T030000Z-dddd",
)


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def raw_run(root: Path, run_id: str, mode: str, pages: dict[str, list[dict]]) -> RawRun:
    run = RawZone(root / "raw").start_run("ctgov", run_id)
    for name, studies in pages.items():
        run.write_page(
            f"{name}.json",
            orjson.dumps({"studies": studies}),
            Origin(
                "https://clinicaltrials.gov/api/v2/studies",
                {},
                200,
                f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T03:00:01+00:00",
            ),
            n_records=len(studies),
        )
    n = sum(len(s) for s in pages.values())
    run.finish({"mode": mode, "data_timestamp": "x", "total_count": n, "n_records": n})
    return run


def ids(out: Path, table: str, run_id: str) -> list[str]:
    return pq.read_table(partition_dir(out, table, run_id), partitioning=None).column("nct_id").to_pylist()


@pytest.fixture
def studies(corpus: RecordedCorpus) -> list[dict]:
    return real_studies(corpus)[:6]


def test_unchanged_drift_rereads_are_recorded_not_renormalised(tmp_path: Path, studies: list[dict]) -> None:
    out = tmp_path / "parquet" / "ctgov"
    normalise_run(raw_run(tmp_path, FULL, "full", {"page-000001": studies}), out)
    changed = copy.deepcopy(studies[1])
    status = changed["protocolSection"].setdefault("statusModule", {})
    status["overallStatus"] = "WITHDRAWN" if status.get("overallStatus") != "WITHDRAWN" else "COMPLETED"
    night = raw_run(
        tmp_path,
        NIGHT,
        "incremental",
        {"page-000001": [studies[0]], "drift001-000001": [studies[0], changed, studies[2]]},
    )
    summary = normalise_run(night, out)
    # In an incremental run a study is a version only when it differs from the stored one, whether the
    # main query (here: the overlap day read again) or the drift slice brought it.
    assert ids(out, "trials", NIGHT) == [nct(changed)]
    assert ids(out, "rereads", NIGHT) == [nct(studies[0]), nct(studies[0]), nct(studies[2])]
    assert summary.n_unchanged_rereads == 3
    assert ids(out, "rereads", FULL) == []


def test_a_full_pull_keeps_every_study_it_returned(tmp_path: Path, studies: list[dict]) -> None:
    """Unchanged or not: which trials a full pull returned is what tells a removal."""
    out = tmp_path / "parquet" / "ctgov"
    normalise_run(raw_run(tmp_path, FULL, "full", {"page-000001": studies}), out)
    normalise_run(raw_run(tmp_path, FULL2, "full", {"page-000001": studies}), out)
    assert ids(out, "trials", FULL2) == [nct(s) for s in studies]
    assert ids(out, "rereads", FULL2) == []


def test_a_removed_trial_read_again_is_a_version(tmp_path: Path, studies: list[dict]) -> None:
    """A later full pull left it out: it has no current version, so its re-read brings it back."""
    out = tmp_path / "parquet" / "ctgov"
    normalise_run(raw_run(tmp_path, FULL, "full", {"page-000001": studies}), out)
    normalise_run(raw_run(tmp_path, FULL2, "full", {"page-000001": studies[1:]}), out)
    night = raw_run(tmp_path, NIGHT2, "incremental", {"drift001-000001": studies[:2]})
    normalise_run(night, out)
    assert ids(out, "trials", NIGHT2) == [nct(studies[0])]
    assert ids(out, "rereads", NIGHT2) == [nct(studies[1])]


def test_only_earlier_runs_count_and_older_partitions_without_hashes_never_match(
    tmp_path: Path, studies: list[dict]
) -> None:
    out = tmp_path / "parquet" / "ctgov"
    night = raw_run(tmp_path, NIGHT, "incremental", {"drift001-000001": studies[:1]})
    full = raw_run(tmp_path, FULL, "full", {"page-000001": studies})
    normalise_run(full, out)
    trials_dir = partition_dir(out, "trials", FULL)
    table = pq.read_table(trials_dir, partitioning=None).drop_columns(["content_sha256"])
    pq.write_table(table, next(trials_dir.glob("*.parquet")))  # as written before hashes existed
    normalise_run(night, out)
    assert ids(out, "trials", NIGHT) == [nct(studies[0])]
    # Re-normalising the full run later (a replay) does not look at the newer night.
    normalise_run(full, out)
    assert len(ids(out, "trials", FULL)) == len(studies)
