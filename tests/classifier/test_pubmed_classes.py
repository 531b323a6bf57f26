"""classify_pubmed_tables and the classify step: PubMed tables of one run in, PUBLICATION_CLASSES out.

Titles and keywords are those of the recorded records in shared/fixtures/pubmed/migraine. Those records
have no abstract or MeSH list transcribed, so the MeSH row uses a real MeSH descriptor (D019274) and the
abstract test uses a title sentence as abstract text; both are marked where used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.classify.classifier import Classifier
from pipeline.config import Settings, load_config
from pipeline.errors import ClassifyError, RawZoneError
from pipeline.sources.pubmed.classify import classify_pubmed_tables
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES
from pipeline.sources.pubmed.normalise.schemas import PUBLICATION_KEYWORDS, PUBLICATION_MESH, PUBLICATIONS
from pipeline.steps import classify

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_ID = "20261102T100000Z-ab12"
FETCHED_A = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
FETCHED_B = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)
EMPTY_MESH = PUBLICATION_MESH.empty_table()
EMPTY_KEYWORDS = PUBLICATION_KEYWORDS.empty_table()


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_config(REPO_ROOT / "config.yaml")


@pytest.fixture(scope="module")
def classifier(settings: Settings) -> Classifier:
    return Classifier.from_settings(settings)


def provenance(fetched_at: datetime = FETCHED_A) -> dict[str, Any]:
    return {"run_id": RUN_ID, "fetched_at": fetched_at, "data_timestamp": None}


def publication(pmid: str, title: str | None, abstract: str | None = None, **extra: Any) -> dict[str, Any]:
    row = {
        "pmid": pmid,
        "record_kind": "article",
        "title": title,
        "abstract": abstract,
        "author_count": 1,
        "is_rct_report": False,
        "is_review": False,
        **provenance(),
    }
    row.update(extra)
    return row


def publications() -> pa.Table:
    return pa.Table.from_pylist(
        [
            publication("35313740", "Erenumab for episodic migraine"),
            publication(
                "33749826",
                "Efficacy of ubrogepant based on prior exposure and response to triptans: "
                "A post hoc analysis",
                fetched_at=FETCHED_B,
            ),
            publication(
                "20647170",
                "OnabotulinumtoxinA for treatment of chronic migraine: results from the double-blind, "
                "randomized, placebo-controlled phase of the PREEMPT 1 trial",
            ),
            publication("27127758", "Migraine in the era of precision medicine"),
        ],
        schema=PUBLICATIONS,
    )


def mesh() -> pa.Table:
    row = {"pmid": "20647170", "descriptor": "Botulinum Toxins, Type A", "descriptor_major": False}
    # One row per qualifier in PubMed: the same descriptor twice must give one match.
    rows = [{**row, "qualifier": q, **provenance()} for q in ("therapeutic use", "administration & dosage")]
    return pa.Table.from_pylist(rows, schema=PUBLICATION_MESH)


def keywords() -> pa.Table:
    words = ["Aimovig", "CGRP antagonists", "episodic migraine", "erenumab", "headache", "migraine"]
    rows = [
        {"pmid": "35313740", "keyword": w, "major": False, "owner": "NOTNLM", **provenance()} for w in words
    ]
    return pa.Table.from_pylist(rows, schema=PUBLICATION_KEYWORDS)


def summary(table: pa.Table) -> list[tuple[str, str, str, str]]:
    return [
        (r["pmid"], r["treatment_class"], r["matched_field"], r["matched_term"]) for r in table.to_pylist()
    ]


def test_title_mesh_and_keyword_matches_with_parent_rows(classifier: Classifier) -> None:
    out = classify_pubmed_tables(publications(), mesh(), keywords(), classifier)
    assert out.schema == PUBLICATION_CLASSES
    assert summary(out) == [
        ("20647170", "botulinum_toxin", "mesh", "botulinum toxin"),
        ("20647170", "botulinum_toxin", "title", "onabotulinumtoxinA"),
        ("33749826", "cgrp", "child_class", "gepant"),
        ("33749826", "gepant", "title", "ubrogepant"),
        ("33749826", "triptan", "title", "triptan"),  # plain term matching: the comparator class counts too
        ("35313740", "cgrp", "child_class", "cgrp_antibody"),
        ("35313740", "cgrp", "keyword", "CGRP antagonist"),
        ("35313740", "cgrp_antibody", "keyword", "Aimovig"),
        ("35313740", "cgrp_antibody", "keyword", "erenumab"),
        ("35313740", "cgrp_antibody", "title", "erenumab"),
    ]
    texts = {(r["pmid"], r["matched_field"]): r["matched_text"] for r in out.to_pylist()}
    assert texts[("20647170", "mesh")] == "Botulinum Toxins, Type A"
    assert texts[("35313740", "child_class")] is None


def test_rows_carry_the_publications_provenance(classifier: Classifier) -> None:
    out = classify_pubmed_tables(publications(), mesh(), keywords(), classifier).to_pylist()
    fetched = {r["pmid"]: r["fetched_at"] for r in out}
    assert fetched == {"20647170": FETCHED_A, "33749826": FETCHED_B, "35313740": FETCHED_A}
    assert {r["run_id"] for r in out} == {RUN_ID}


def test_abstract_matches_are_reported_as_abstract(classifier: Classifier) -> None:
    # The fixtures hold no abstracts: the sentence below is the 34115380 title used as abstract text.
    text = (
        "Reduction in the severity and duration of headache following fremanezumab treatment in patients "
        "with episodic and chronic migraine"
    )
    table = pa.Table.from_pylist([publication("34115380", None, abstract=text)], schema=PUBLICATIONS)
    out = classify_pubmed_tables(table, EMPTY_MESH, EMPTY_KEYWORDS, classifier)
    assert summary(out) == [
        ("34115380", "cgrp", "child_class", "cgrp_antibody"),
        ("34115380", "cgrp_antibody", "abstract", "fremanezumab"),
    ]


def test_no_publications_give_an_empty_table_of_the_schema(classifier: Classifier) -> None:
    out = classify_pubmed_tables(PUBLICATIONS.empty_table(), EMPTY_MESH, EMPTY_KEYWORDS, classifier)
    assert out.num_rows == 0
    assert out.schema == PUBLICATION_CLASSES


def test_missing_column_is_named(classifier: Classifier) -> None:
    with pytest.raises(ClassifyError, match=r"publications table lacks column\(s\) abstract"):
        classify_pubmed_tables(publications().drop_columns(["abstract"]), mesh(), keywords(), classifier)


def test_child_rows_without_their_publication_are_refused(classifier: Classifier) -> None:
    with pytest.raises(
        ClassifyError, match=r"publication_keywords row for PMID 35313740 has no publications row"
    ):
        classify_pubmed_tables(publications().slice(1), EMPTY_MESH, keywords(), classifier)


def test_non_text_title_is_refused(classifier: Classifier) -> None:
    table = pa.table(
        {"pmid": ["1"], "title": [3], "abstract": [None], **{k: [v] for k, v in provenance().items()}}
    )
    with pytest.raises(ClassifyError, match=r"PMID 1: title must be text or null, got int"):
        classify_pubmed_tables(table, EMPTY_MESH, EMPTY_KEYWORDS, classifier)


def test_step_writes_the_runs_partition_and_counts_pmids(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(
        update={"storage": settings.storage.model_copy(update={"data_dir": tmp_path})}
    )
    root = tmp_path / "parquet" / "pubmed"
    for table, data in (
        ("publications", publications()),
        ("publication_mesh", mesh()),
        ("publication_keywords", keywords()),
    ):
        folder = root / table / f"run_id={RUN_ID}"
        folder.mkdir(parents=True)
        pq.write_table(data, folder / "part-00000.parquet")
    counts = classify(local, "pubmed", RUN_ID)
    assert set(counts) == set(settings.treatment_classes)
    assert (counts["cgrp"], counts["cgrp_antibody"], counts["botulinum_toxin"], counts["ketamine"]) == (
        2,
        1,
        1,
        0,
    )
    written = pq.read_table(root / "publication_classes" / f"run_id={RUN_ID}", partitioning=None)
    assert written.schema == PUBLICATION_CLASSES
    assert written.num_rows == 10


def test_step_refuses_a_run_not_normalised(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(
        update={"storage": settings.storage.model_copy(update={"data_dir": tmp_path})}
    )
    with pytest.raises(RawZoneError, match=r"has no normalised publications table"):
        classify(local, "pubmed", RUN_ID)
