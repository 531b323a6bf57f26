"""The one-pass classifier gives exactly the rows of the classifier it replaced (reference_classifier),
on the real recorded records and on generated trials full of tricky spellings."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from pipeline.classify.classifier import Classifier
from pipeline.classify.one_pass import ASCII_TWINS, OnePassMatcher
from pipeline.config import Settings, load_config
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.classify import classify_ctgov_tables
from pipeline.sources.ctgov.normalise.schemas import INTERVENTION_MESH, TRIALS
from pipeline.sources.ctgov.normalise.tables import build_page_tables
from pipeline.sources.pubmed.classify import classify_pubmed_tables
from tests.classifier.reference_classifier import (
    ReferenceClassifier,
    reference_ctgov_tables,
    reference_pubmed_tables,
)
from tests.classifier.stress_trials import Stress
from tests.servers.corpus import RecordedCorpus

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVENANCE = Provenance("20261102T100000Z-ab12", datetime(2026, 11, 2, 10, 0, tzinfo=UTC), "2026-11-01")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_config(REPO_ROOT / "config.yaml")


@pytest.fixture(scope="module")
def classifiers(settings: Settings) -> tuple[Classifier, ReferenceClassifier]:
    return Classifier.from_settings(settings), ReferenceClassifier(settings)


def classify_ctgov(interventions: pa.Table, arms: pa.Table, classifier: Classifier) -> pa.Table:
    """Interventions and arms only (no titles, no MeSH): what the reference classifier read."""
    return classify_ctgov_tables(
        TRIALS.empty_table(), interventions, arms, INTERVENTION_MESH.empty_table(), classifier
    )


@pytest.fixture(scope="module")
def real_tables(corpus: RecordedCorpus) -> dict[str, pa.Table]:
    """Every table of every real recorded study (shared: full, migraine and partial; else the
    packaged ones), normalised."""
    folders = [corpus.root / "ctgov"] if corpus.is_shared else list(corpus.ctgov_folders)
    pattern = "*/NCT*.json" if corpus.is_shared else "NCT*.json"
    paths = sorted(p for folder in folders for p in folder.glob(pattern))
    studies = [orjson.loads(path.read_bytes()) for path in paths]
    return build_page_tables(orjson.dumps({"studies": studies}), PROVENANCE, "fixtures").tables


def test_real_records_give_the_same_rows(real_tables, classifiers):
    """With titles and MeSH too, the interventions and arms still give exactly the reference's rows;
    the weaker tiers add rows only for trials those give no class."""
    new, ref = classifiers
    expected = reference_ctgov_tables(real_tables["interventions"], real_tables["arms"], ref).to_pylist()
    assert len(expected) > 80  # the migraine records are full of therapies
    inputs = [real_tables[name] for name in ("trials", "interventions", "arms", "intervention_mesh")]
    got = classify_ctgov_tables(*inputs, new).to_pylist()
    assert [r for r in got if r["match_strength"] == "intervention"] == expected
    weaker = {r["nct_id"] for r in got if r["match_strength"] != "intervention"}
    assert weaker and not weaker & {r["nct_id"] for r in expected}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_trials_give_the_same_rows(settings, classifiers, seed):
    new, ref = classifiers
    interventions, arms = Stress(settings, seed).trial_tables(400)
    expected = reference_ctgov_tables(interventions, arms, ref).to_pylist()
    # The rules are exercised, not only the matching: classes, fields and excluded controls.
    assert len(expected) > 1000
    assert {r["matched_field"] for r in expected} >= {
        "intervention.name", "intervention.other_name", "intervention.description",
        "arm.label", "arm.description", "child_class",
    }  # fmt: skip
    assert classify_ctgov(interventions, arms, new).to_pylist() == expected


def test_trials_classified_in_chunks_give_the_same_rows(settings, classifiers, monkeypatch):
    """A run is classified a few thousand trials at a time; chunk edges change nothing."""
    from pipeline.sources.ctgov import classify

    new, ref = classifiers
    interventions, arms = Stress(settings, 10).trial_tables(300)
    expected = reference_ctgov_tables(interventions, arms, ref).to_pylist()
    monkeypatch.setattr(classify, "CHUNK_TRIALS", 7)
    assert classify_ctgov(interventions, arms, new).to_pylist() == expected


def test_row_path_gives_the_same_rows(settings, classifiers):
    """Tables of other column types (here large_string names) take the per-trial path: same rows."""
    new, ref = classifiers
    interventions, arms = Stress(settings, 4).trial_tables(200)
    index = interventions.column_names.index("name")
    cast = interventions.set_column(index, "name", interventions.column("name").cast(pa.large_string()))
    expected = reference_ctgov_tables(interventions, arms, ref).to_pylist()
    assert classify_ctgov(cast, arms, new).to_pylist() == expected


def test_trials_one_at_a_time_give_the_same_matches(settings, classifiers):
    new, ref = classifiers
    stress = Stress(settings, 5)
    for n in range(300):
        ivs, arms = stress.trial(f"NCT{n:08d}")
        assert new.classify_trial(ivs, arms) == ref.classify_trial(ivs, arms)


@pytest.mark.parametrize("seed", [6, 7])
def test_generated_publications_give_the_same_rows(settings, classifiers, seed):
    new, ref = classifiers
    tables = Stress(settings, seed).publication_tables(300)
    expected = reference_pubmed_tables(*tables, ref).to_pylist()
    assert len(expected) > 1000
    assert classify_pubmed_tables(*tables, new).to_pylist() == expected


def test_one_pass_finds_what_each_term_set_finds_alone(settings, classifiers):
    """Matcher level, text by text: the same (term, start, end) per class as finditer, in order."""
    new, ref = classifiers
    stress = Stress(settings, 8)
    texts = [stress.text(30) for _ in range(2000)]
    found = new.find_terms(texts)
    expected = [
        (i, name, hit.term, hit.start, hit.end)
        for i, text in enumerate(texts)
        for name, term_set in ref._terms.items()
        for hit in term_set.finditer(text or "")
    ]
    assert len(expected) > 3000
    assert [tuple(hit) for hit in found] == expected


def test_terms_with_letters_outside_ascii_are_still_found():
    """Such a term set is scanned in full (the automaton only looks for ASCII anchors)."""
    from pipeline.classify.terms import TermSet

    matcher = OnePassMatcher({"greek": TermSet(["\u03b2-blocker"]), "plain": TermSet(["beta blocker"])})
    hits = matcher.find(["a \u0392-BLOCKERS and beta-blockers", None, "\u03b2blocker"])
    found = [(h.text_index, h.name, h.start) for h in hits]
    assert found == [(0, "greek", 2), (0, "plain", 17), (2, "greek", 0)]


def test_the_ascii_twins_are_all_of_unicode():
    """Every non-ASCII character Python's re.IGNORECASE takes for an ASCII letter or digit is folded
    (if a Python release adds one, the automaton could miss a match: this fails first)."""
    everything = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    twins = set(re.findall(r"[a-z0-9]", everything, re.IGNORECASE))
    assert twins == set(ASCII_TWINS)
    for twin, letter in ASCII_TWINS.items():
        assert re.fullmatch(letter, twin, re.IGNORECASE)


def test_publication_row_path_gives_the_same_rows(settings, classifiers):
    new, ref = classifiers
    publications, mesh, keywords = Stress(settings, 9).publication_tables(200)
    index = publications.column_names.index("title")
    cast = publications.set_column(index, "title", publications.column("title").cast(pa.large_string()))
    expected = reference_pubmed_tables(publications, mesh, keywords, ref).to_pylist()
    assert classify_pubmed_tables(cast, mesh, keywords, new).to_pylist() == expected


def test_all_tiers_give_the_same_rows_by_row_path_chunks_and_trial_by_trial(
    real_tables, classifiers, monkeypatch
):
    """Titles, summaries and MeSH included: the column path, the row path (large_string titles),
    small chunks and ``classify_trial`` one trial at a time agree, on the real records and the
    hand-written ones (provocation, comparators, MeSH)."""
    from pipeline.sources.ctgov import classify
    from tests.classifier import test_classifier_later_tiers as later
    from tests.classifier.sparse_records import INPUTS, normalised

    new, _ = classifiers
    extra = normalised([later.study("NCT99000090", "Rimegepant Versus Sumatriptan"), *_hand_written(later)])
    tables = {name: pa.concat_tables([real_tables[name], extra[name]]) for name in INPUTS}
    expected = classify_ctgov_tables(*(tables[name] for name in INPUTS), new).to_pylist()
    assert {r["match_strength"] for r in expected} == {"intervention", "mesh", "title", "summary"}

    trials = tables["trials"]
    index = trials.column_names.index("brief_title")
    cast = dict(
        tables, trials=trials.set_column(index, "brief_title", trials.column(index).cast(pa.large_string()))
    )
    assert classify_ctgov_tables(*(cast[name] for name in INPUTS), new).to_pylist() == expected

    monkeypatch.setattr(classify, "CHUNK_TRIALS", 3)
    assert classify_ctgov_tables(*(tables[name] for name in INPUTS), new).to_pylist() == expected

    by_trial: dict[str, set] = {}
    for r in expected:
        by_trial.setdefault(r["nct_id"], set()).add(
            (
                r["treatment_class"],
                r["matched_field"],
                r["matched_term"],
                r["matched_text"],
                r["match_strength"],
            )
        )
    rows = {name: tables[name].to_pylist() for name in INPUTS}
    for nct_id in {r["nct_id"] for r in rows["trials"]}:
        own = {name: [r for r in rows[name] if r["nct_id"] == nct_id] for name in INPUTS}
        matches = new.classify_trial(
            own["interventions"], own["arms"], own["trials"][0], own["intervention_mesh"]
        )
        got = {
            (m.treatment_class, m.matched_field, m.matched_term, m.matched_text, m.match_strength)
            for m in matches
        }
        assert got == by_trial.get(nct_id, set()), nct_id


def _hand_written(later) -> list[dict]:
    return [
        later.study("NCT99000091", "PACAP-38 Provocation", interventions=[("DRUG", "PACAP-38")]),
        later.study(
            "NCT99000092",
            "A Study",
            summary="The gammaCore device is evaluated.",
            interventions=[("DEVICE", "Device")],
        ),
        later.study(
            "NCT99000093",
            "Injections",
            interventions=[("BIOLOGICAL", "Study drug")],
            meshes=[("D000019274", "Botulinum Toxins, Type A")],
            ancestors=[("D000001905", "Botulinum Toxins")],
        ),
    ]
