"""The classes computed page by page while a run is normalised (pipeline/sources/derive_pages.py, the
classification seen as a derivation: pipeline/classify/run_classes.py) are the bytes the classify step
writes from the whole run: on the real records, on pages out of nct_id order and on replicated records
normalised by two processes. The partition is stamped with the classifier's config: the classify step
keeps a current one and classifies again one that is missing, older than the records, of another config
or unstamped (an older release's), as recovery judges them. A run the page-by-page path gives up on is
left to the classify step."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from paged_runs import normalised_real_run, real_studies, replicated, with_workers, write_paged_run
from refresh_layout import R1, data_settings, part

from pipeline import steps
from pipeline.classify import run_classes
from pipeline.classify.run_classes import classes_config_digest, classifier_of
from pipeline.config import Settings
from pipeline.errors import ClassifyError
from pipeline.parquet.stamp import read_stamp
from pipeline.parquet.writer import write_partition
from pipeline.runs.recovery import StaleRun, stale_runs
from pipeline.sources.ctgov.normalise.schemas import TRIAL_CLASSES
from pipeline.sources.ctgov.source import CTGOV

CLASSES = "trial_classes"


def classified_by_the_classify_step(settings: Settings) -> tuple[bytes, dict[str, int]]:
    """What the classify step writes from the whole run's Parquet tables, the page-by-page output removed."""
    shutil.rmtree(part(settings, CLASSES).parent)
    counts = steps.classify(settings, "ctgov", R1)
    return part(settings, CLASSES).read_bytes(), counts


def edited_classes(settings: Settings) -> Settings:
    """The same config with one more term for the first treatment class: another classifier."""
    name, first = next(iter(settings.treatment_classes.items()))
    edited = first.model_copy(update={"terms": [*first.terms, "zzz-new-term"]})
    return settings.model_copy(update={"treatment_classes": {**settings.treatment_classes, name: edited}})


@pytest.mark.parametrize(
    ("copies", "per_page", "workers", "backwards"),
    [(1, 1000, 1, False), (1, 7, 2, False), (3, 40, 2, True)],
)
def test_page_by_page_classes_equal_the_whole_run_byte_for_byte(
    tmp_path: Path, fixtures_dir: Path, copies: int, per_page: int, workers: int, backwards: bool
) -> None:
    settings = with_workers(data_settings(tmp_path), workers)
    docs = replicated(real_studies(fixtures_dir), copies) if copies > 1 else real_studies(fixtures_dir)
    write_paged_run(settings, docs[::-1] if backwards else docs, per_page)  # pages out of nct_id order
    steps.normalise(settings, "ctgov", R1)
    assert read_stamp(part(settings, CLASSES)) == classes_config_digest(settings)
    page_by_page = part(settings, CLASSES).read_bytes()
    classes = pq.read_table(part(settings, CLASSES))
    ids = classes.column("nct_id")
    assert len(pc.unique(ids)) > min(per_page, len(docs) // 2)  # most trials have a class: several pages'
    assert ids.to_pylist() == sorted(ids.to_pylist())
    whole_run, counts = classified_by_the_classify_step(settings)
    assert whole_run == page_by_page
    assert sum(counts.values()) >= len(pc.unique(ids))


def test_the_classify_step_keeps_a_current_partition_and_counts_it(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    settings = normalised_real_run(tmp_path, fixtures_dir, 20)
    written = part(settings, CLASSES).stat().st_mtime_ns
    counts = steps.classify(settings, "ctgov", R1)
    assert part(settings, CLASSES).stat().st_mtime_ns == written  # kept, not classified again
    assert list(counts)[: len(settings.treatment_classes)] == list(settings.treatment_classes)
    assert counts == classified_by_the_classify_step(settings)[1]


def older_than_the_records(settings: Settings) -> None:
    trials = part(settings, "trials").stat().st_mtime_ns
    earlier = trials - 10**9
    os.utime(part(settings, CLASSES), ns=(earlier, earlier))


def other_stamp(settings: Settings) -> None:
    table = pq.read_table(part(settings, CLASSES))
    write_partition(settings.parquet_dir / "ctgov", CLASSES, R1, TRIAL_CLASSES, [table])  # unstamped


@pytest.mark.parametrize("outdate", [older_than_the_records, other_stamp])
def test_an_outdated_partition_is_stale_and_classified_again(
    tmp_path: Path, fixtures_dir: Path, outdate: Any
) -> None:
    settings = normalised_real_run(tmp_path, fixtures_dir, 1000)
    steps.derive(settings, "ctgov", R1)
    assert stale_runs(settings, ("ctgov",)) == []
    current = part(settings, CLASSES).read_bytes()
    outdate(settings)
    assert stale_runs(settings, ("ctgov",)) == [StaleRun("ctgov", R1, False, True, False)]
    steps.classify(settings, "ctgov", R1)
    assert part(settings, CLASSES).read_bytes() == current
    assert stale_runs(settings, ("ctgov",)) == []


def test_edited_treatment_classes_make_the_run_stale_until_classified_again(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    settings = normalised_real_run(tmp_path, fixtures_dir, 1000)
    edited = edited_classes(settings)
    assert classes_config_digest(edited) != classes_config_digest(settings)
    unchanged = [
        settings.model_copy(update={"endpoints": None}),
        settings.model_copy(
            update={
                "classifier": settings.classifier.model_copy(update={"min_match_strength": "intervention"})
            }
        ),
    ]
    assert {classes_config_digest(other) for other in unchanged} == {classes_config_digest(settings)}
    terms = settings.classifier.model_copy(update={"control_terms": ["placebo"]})
    assert classes_config_digest(settings.model_copy(update={"classifier": terms})) != classes_config_digest(
        settings
    )
    assert stale_runs(edited, ("ctgov",)) == [StaleRun("ctgov", R1, False, True, False)]
    steps.recover(edited, "20260301T030000Z-cccc", "ctgov")
    assert read_stamp(part(edited, CLASSES)) == classes_config_digest(edited)
    assert stale_runs(edited, ("ctgov",)) == []


def test_a_trial_on_two_pages_is_left_to_the_classify_step(tmp_path: Path, fixtures_dir: Path) -> None:
    settings = data_settings(tmp_path)
    docs = real_studies(fixtures_dir)
    write_paged_run(settings, [*docs, docs[0]], len(docs))  # the first study again, alone on page 2
    steps.normalise(settings, "ctgov", R1)
    assert not part(settings, CLASSES).exists()
    steps.classify(settings, "ctgov", R1)
    inputs = [pq.read_table(part(settings, name)) for name in CTGOV.classification.inputs]
    whole = CTGOV.classification.rows(*inputs, classifier_of(settings))
    assert pq.read_table(part(settings, CLASSES)).equals(whole)


def test_a_page_whose_classification_fails_leaves_the_error_to_the_classify_step(
    tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = with_workers(data_settings(tmp_path), 1)  # one process: the patched function is the one used
    write_paged_run(settings, real_studies(fixtures_dir), 1000)

    def broken(*_: Any) -> Any:
        raise ClassifyError("treatment_classes.triptan.terms: bad term")

    monkeypatch.setattr(run_classes, "classifier_of", broken)
    steps.normalise(settings, "ctgov", R1)
    assert part(settings, "trials").exists() and not part(settings, CLASSES).exists()
    with pytest.raises(ClassifyError, match=r"^treatment_classes.triptan.terms: bad term$"):
        steps.classify(settings, "ctgov", R1)


def test_no_pages_combine_into_an_empty_table_of_the_schema() -> None:
    tables = run_classes.sorted_by_key(CTGOV.classification, CTGOV.key, [])
    assert tables[CLASSES].schema == TRIAL_CLASSES and tables[CLASSES].num_rows == 0
