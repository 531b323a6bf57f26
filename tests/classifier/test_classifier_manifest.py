"""The shipped config against 35 real migraine studies and a reviewer's expected classes (the shared
fixtures' manifest), and against the served set's studies (shared, else packaged) where no manifest is
needed: the CGRP-provocation trap, every match's explanation, and classes evident from intervention names.

Interventions and arms are read straight from each study's armsInterventionsModule (mapped to the
Arrow schema's keys), independently of the normaliser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.classify.classifier import Classifier
from pipeline.config import Settings, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]

# The manifest's labels -> class names in config.yaml ("other" means no class at all).
LABELS = {
    "cgrp_mab": "cgrp_antibody",
    "neuromodulation_other": "neurostimulation_other",
    "dbs": "neurostimulation_other",
    "lifestyle": "behavioural_lifestyle",
    "other": None,
}

# Studies whose transcription holds no active intervention or arm, so the therapy is visible only in
# the title: the expected class is checked on the title instead (same terms, no control logic).
NO_ACTIVE_ENTRY_TRANSCRIBED = {
    "NCT02378844": "no armsInterventionsModule transcribed",
    "NCT02621931": "no armsInterventionsModule transcribed",
    "NCT02867709": "no armsInterventionsModule transcribed",
    "NCT03716505": "no armsInterventionsModule transcribed",
    "NCT04740827": "no armsInterventionsModule transcribed",
    "NCT06868953": "no armsInterventionsModule transcribed",
    "NCT07336420": "no armsInterventionsModule transcribed",
    "NCT03308968": "only the placebo arm was transcribed",
    "NCT04418765": "only the placebo intervention was transcribed (the mirror cut off eptinezumab)",
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_config(REPO_ROOT / "config.yaml")


@pytest.fixture(scope="module")
def classifier(settings: Settings) -> Classifier:
    return Classifier.from_settings(settings)


# Packaged (and shared) trials whose class is evident from their intervention names, so a bare clone
# checks the shipped config on real records too: name in the record -> expected classes.
EVIDENT = {
    "NCT00156910": {"botulinum_toxin"},  # Botulinum Toxin Type A
    "NCT00382993": {"triptan"},  # sumatriptan succinate/naproxen sodium
    "NCT02066415": {"cgrp_antibody"},  # Erenumab
    "NCT02697071": {"ketamine"},  # Ketamine
    "NCT03235479": {"gepant"},  # Rimegepant
    "NCT03410628": {"nvns"},  # gammaCore
    "NCT04064879": {"stem_cell"},  # AD-SVF (adipose-derived stromal vascular fraction)
    "NCT07021859": set(),  # CGRP infused to provoke attacks: no therapy class
    "NCT00763412": set(),  # repaglinide, not a migraine study
}


@pytest.fixture(scope="module")
def served(ctgov_fixture_studies: list[dict]) -> dict[str, dict]:
    """The served set's studies (shared, else packaged) by NCT id."""
    return {s["protocolSection"]["identificationModule"]["nctId"]: s for s in ctgov_fixture_studies}


@pytest.fixture(scope="module")
def studies(fixtures_dir: Path) -> list[tuple[dict, dict]]:
    folder = fixtures_dir / "ctgov" / "migraine"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [(entry, json.loads((folder / f"{entry['nct_id']}.json").read_text())) for entry in manifest]


def schema_rows(study: dict) -> tuple[list[dict], list[dict]]:
    module = study["protocolSection"].get("armsInterventionsModule", {})
    interventions = [
        {
            "name": iv.get("name"),
            "intervention_type": iv.get("type"),
            "description": iv.get("description"),
            "other_names": iv.get("otherNames"),
            "arm_group_labels": iv.get("armGroupLabels"),
        }
        for iv in module.get("interventions", [])
    ]
    arms = [
        {
            "label": arm.get("label"),
            "arm_type": arm.get("type"),
            "description": arm.get("description"),
            "intervention_names": arm.get("interventionNames"),
        }
        for arm in module.get("armGroups", [])
    ]
    return interventions, arms


def expected_classes(entry: dict) -> set[str]:
    names = {LABELS.get(label, label) for label in entry["expected"]["treatment_classes"]}
    return {name for name in names if name is not None}


def with_parents(classes: set[str], settings: Settings) -> set[str]:
    result = set(classes)
    for name in classes:
        parent = settings.treatment_classes[name].parent
        while parent:
            result.add(parent)
            parent = settings.treatment_classes[parent].parent
    return result


def test_manifest_has_35_studies_and_known_labels(studies, classifier):
    assert len(studies) == 35
    for entry, _ in studies:
        for name in expected_classes(entry):
            assert name in classifier.class_names, f"{entry['nct_id']}: unmapped label {name}"


def test_each_study_gets_its_expected_classes_and_nothing_else(studies, classifier, settings):
    checked = 0
    for entry, study in studies:
        nct_id = entry["nct_id"]
        got = {m.treatment_class for m in classifier.classify_trial(*schema_rows(study))}
        expected = expected_classes(entry)
        assert got <= with_parents(expected, settings), f"{nct_id}: unexpected {got - expected}"
        if nct_id in NO_ACTIVE_ENTRY_TRANSCRIBED:
            assert got == set(), f"{nct_id}: listed as an exception but classified {got}"
            continue
        assert expected <= got, f"{nct_id}: expected {expected}, got {got}"
        checked += 1
    assert checked == 35 - len(NO_ACTIVE_ENTRY_TRANSCRIBED)


def test_exceptions_really_lack_an_active_entry_and_their_titles_classify(studies, classifier):
    by_id = {entry["nct_id"]: (entry, study) for entry, study in studies}
    for nct_id in NO_ACTIVE_ENTRY_TRANSCRIBED:
        entry, study = by_id[nct_id]
        interventions, arms = schema_rows(study)
        names = [iv["name"] for iv in interventions] + [arm["label"] for arm in arms]
        assert all(classifier.names_a_control(name) for name in names), nct_id
        title = study["protocolSection"]["identificationModule"]["briefTitle"]
        got = {m.treatment_class for m in classifier.classify_text_fields([("title", title)])}
        assert expected_classes(entry) <= got, f"{nct_id}: title {title!r} gave {got}"


def test_evident_classes_of_served_studies(served, classifier, settings):
    for nct_id, expected in EVIDENT.items():
        got = {m.treatment_class for m in classifier.classify_trial(*schema_rows(served[nct_id]))}
        assert expected <= got <= with_parents(expected, settings), (nct_id, expected, got)


def test_cgrp_provocation_trap_gets_no_class(served, classifier):
    traps = {n: s for n, s in served.items() if "gene-related" in json.dumps(s).lower()}
    assert traps, "the fixtures should include a study mentioning calcitonin gene-related peptide"
    for nct_id, study in traps.items():
        from_arms = {m.treatment_class for m in classifier.classify_trial(*schema_rows(study))}
        assert "gene_therapy" not in from_arms, nct_id
        texts = _free_texts(study)
        got = {m.treatment_class for m in classifier.classify_text_fields(texts)}
        assert "gene_therapy" not in got, nct_id
    assert classifier.classify_trial(*schema_rows(traps["NCT07021859"])) == []


def test_every_match_names_its_field_term_and_text(served, classifier):
    for study in served.values():
        for m in classifier.classify_trial(*schema_rows(study)):
            if m.matched_field == "child_class":
                assert m.matched_term in classifier.class_names and m.matched_text is None
            else:
                assert m.matched_field.startswith(("intervention.", "arm."))
                assert m.matched_text and m.matched_term


def _free_texts(study: dict) -> list[tuple[str, str]]:
    """Every string in the study, so the trap check covers titles, summaries and descriptions too."""
    out: list[tuple[str, str]] = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, str):
            out.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for item in value:
                walk(item, path)

    walk(study, "")
    return out


def trial_row(study: dict) -> dict:
    ident = study["protocolSection"]["identificationModule"]
    summary = study["protocolSection"].get("descriptionModule", {}).get("briefSummary")
    return {
        "brief_title": ident.get("briefTitle"),
        "official_title": ident.get("officialTitle"),
        "brief_summary": summary,
    }


def test_whole_records_give_every_study_exactly_its_expected_classes(studies, classifier, settings):
    """Titles and summaries too (the transcriptions carry no MeSH): the studies whose interventions
    were not transcribed get their classes from their titles, and nothing else changes."""
    for entry, study in studies:
        nct_id = entry["nct_id"]
        matches = classifier.classify_trial(*schema_rows(study), trial_row(study))
        assert {m.treatment_class for m in matches} == with_parents(expected_classes(entry), settings), nct_id
        strengths = {m.match_strength for m in matches}
        expected = {"title"} if nct_id in NO_ACTIVE_ENTRY_TRANSCRIBED else {"intervention"}
        assert strengths == (expected if matches else set()), nct_id
        for m in matches:
            if m.matched_field != "child_class":
                assert m.matched_field.startswith(("intervention.", "arm.", "trial.")) and m.matched_text


def test_cgrp_provocation_record_gets_no_class_from_its_titles_or_summary(served, classifier):
    study = served["NCT07021859"]  # packaged too: runs on a bare clone
    assert "CGRP" in trial_row(study)["brief_summary"]
    assert classifier.classify_trial(*schema_rows(study), trial_row(study)) == []
