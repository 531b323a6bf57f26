"""The later tiers on hand-written v2 records: MeSH, titles, summaries, and the cue rules.

The records (tests/classifier/sparse_records.py) are invented to cover what the real fixtures do not:
provocation studies infusing CGRP or PACAP, comparator and background wording, sparse and generically
named interventions, derived MeSH descriptors and ancestors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify.classifier import Classifier
from pipeline.classify.later_tiers import TextEvidence, TrialView
from pipeline.config import load_config
from tests.classifier.sparse_records import class_rows, classes_by_trial, study

REPO_ROOT = Path(__file__).resolve().parents[2]
PLACEBO_ARM = ("PLACEBO_COMPARATOR", "Placebo", ["Drug: Placebo"])


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_settings(load_config(REPO_ROOT / "config.yaml"))


def classes(classifier: Classifier, *studies: dict) -> dict[str, dict[str, str]]:
    return classes_by_trial(class_rows(list(studies), classifier))


# -- provocation ------------------------------------------------------------------------------------


def test_pacap_infused_to_provoke_attacks_makes_no_pacap_trial(classifier):
    provocation = study(
        "NCT99000001",
        "PACAP-38 Provocation in Migraine Without Aura",
        summary="Pituitary adenylate cyclase-activating polypeptide-38 is infused to induce attacks.",
        interventions=[("DRUG", "PACAP-38"), ("DRUG", "Placebo")],
        meshes=[("D000043222", "Pituitary Adenylate Cyclase-Activating Polypeptide")],
    )
    assert classes(classifier, provocation) == {}


def test_pacap_named_without_a_provocation_cue_still_counts(classifier):
    """The rule is the cue, not the term: the pathway stays reviewable ("PACAP" is a class term)."""
    biomarker = study(
        "NCT99000002", "PACAP-38 Levels in Chronic Migraine", interventions=[("OTHER", "PACAP-38")]
    )
    assert classes(classifier, biomarker) == {"NCT99000002": {"pacap": "intervention"}}


def test_a_therapy_tested_against_provoked_attacks_still_counts(classifier):
    """An anti-PACAP antibody or a triptan given against PACAP-induced headache is what is tested."""
    antibody = study(
        "NCT99000003",
        "Lu AG09222 on PACAP38-Induced Headache in Healthy Volunteers",
        interventions=[("DRUG", "PACAP-38"), ("BIOLOGICAL", "Lu AG09222")],
    )
    triptan = study(
        "NCT99000004",
        "Effect of Sumatriptan on PACAP-Induced Migraine Attacks",
        interventions=[("DRUG", "PACAP-38 infusion"), ("DRUG", "Sumatriptan")],
    )
    rows = class_rows([antibody, triptan], classifier)
    assert classes_by_trial(rows) == {
        "NCT99000003": {"pacap": "intervention"},
        "NCT99000004": {"triptan": "intervention"},
    }
    assert not [r for r in rows if r["matched_term"] == "PACAP"]


def test_cgrp_infused_to_provoke_attacks_makes_no_cgrp_trial(classifier):
    """Neither the peptide's name nor its MeSH descriptor or ancestor names a CGRP-targeted therapy."""
    provocation = study(
        "NCT99000005",
        "Induction of Migraine Attacks With Calcitonin Gene-Related Peptide",
        official="Human alpha-CGRP Infusion Compared With Placebo in Migraine With Aura",
        summary="CGRP is a key neuropeptide in migraine treatment; this study infuses CGRP.",
        interventions=[("DRUG", "Human alpha-CGRP"), ("DRUG", "Placebo")],
        meshes=[("D015740", "Calcitonin Gene-Related Peptide")],
        ancestors=[("D000067449", "Calcitonin Gene-Related Peptide"), ("D009479", "Neuropeptides")],
    )
    assert classes(classifier, provocation) == {}


# -- comparators, controls, background ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Rimegepant Versus Sumatriptan for the Acute Treatment of Migraine",
            {"gepant": "title", "cgrp": "title"},
        ),
        ("Ubrogepant vs. Zolmitriptan in Acute Migraine", {"gepant": "title", "cgrp": "title"}),
        ("Is Acupuncture More Effective Than Botox in Chronic Migraine?", {"acupuncture": "title"}),
        ("A Placebo-controlled Study of Erenumab", {"cgrp_antibody": "title", "cgrp": "title"}),
        ("A Randomized, Sham-controlled Study of gammaCore", {"nvns": "title"}),
        ("Acupuncture Compared With Sham TMS for Migraine", {"acupuncture": "title"}),
        ("Placebo to Match Galcanezumab in Healthy Volunteers", {}),
        (
            "Erenumab in Patients Who Failed Botulinum Toxin, Topiramate or Triptans",
            {"cgrp_antibody": "title", "cgrp": "title"},
        ),
        ("Galcanezumab in Triptan-Resistant Migraine", {"cgrp_antibody": "title", "cgrp": "title"}),
        ("Migraine in Triptan Non-responders: a Registry", {}),
        ("Rescue Medication Use (Sumatriptan) in a Migraine Cohort", {}),
    ],
)
def test_comparators_controls_and_background_in_titles_assign_no_class(classifier, title, expected):
    sparse = study("NCT99000010", title)
    got = classes(classifier, sparse)
    assert got.get("NCT99000010", {}) == expected


def test_a_new_sentence_ends_the_comparator(classifier):
    summary = "Participants compared with sumatriptan users. This study evaluates zavegepant nasal spray."
    got = classes(classifier, study("NCT99000011", "A Pilot Study in Acute Migraine", summary=summary))
    assert got == {"NCT99000011": {"gepant": "summary", "cgrp": "summary"}}


def test_every_discarded_mention_has_a_reason(classifier):
    text = "Rimegepant versus sumatriptan in patients who failed botulinum toxin or sham gammaCore"
    hits = classifier.find_terms([text])
    evidence = TextEvidence("trial.brief_title", text, hits, classifier.later.cues.find([text]))
    verdicts = list(classifier.later.verdicts(evidence, TrialView(frozenset(), frozenset()), False))
    assert [(v.treatment_class, v.reason) for v in verdicts] == [
        ("gepant", None),
        ("nvns", "after comparator cue 'versus'"),
        ("botulinum_toxin", "after comparator cue 'versus'"),
        ("triptan", "after comparator cue 'versus'"),
    ]
    own = "Botulinum toxin in patients who failed erenumab, or sham gammaCore"
    hits = classifier.find_terms([own])
    evidence = TextEvidence("trial.brief_title", own, hits, classifier.later.cues.find([own]))
    reasons = {
        v.treatment_class: v.reason
        for v in classifier.later.verdicts(evidence, TrialView(frozenset(), frozenset()), False)
    }
    assert reasons == {
        "botulinum_toxin": None,
        "cgrp_antibody": "after background cue 'failed'",
        "nvns": "after background cue 'failed'",
    }


# -- tiers -------------------------------------------------------------------------------------------


def test_titles_are_read_only_when_interventions_and_mesh_give_no_class(classifier):
    registered = study(
        "NCT99000020",
        "Erenumab Plus Acupuncture in Chronic Migraine",
        interventions=[("BIOLOGICAL", "Erenumab")],
    )
    assert classes(classifier, registered) == {
        "NCT99000020": {"cgrp_antibody": "intervention", "cgrp": "intervention"}
    }


def test_summary_is_read_only_when_the_titles_give_no_class(classifier):
    titled = study(
        "NCT99000021",
        "Atogepant in Episodic Migraine",
        summary="Participants may use rescue ibuprofen or gammaCore.",
    )
    untitled = study(
        "NCT99000022", "A Study in Episodic Migraine", summary="This study evaluates the gammaCore device."
    )
    assert classes(classifier, titled, untitled) == {
        "NCT99000021": {"gepant": "title", "cgrp": "title"},
        "NCT99000022": {"nvns": "summary"},
    }


def test_summary_needs_a_trial_without_specific_active_interventions(classifier):
    summary = "Ibuprofen is compared with usual practice; many patients use gammaCore."
    generic = study(
        "NCT99000023",
        "Acute Treatment Study",
        summary=summary,
        interventions=[("DEVICE", "Device"), ("DRUG", "Placebo")],
    )
    specific = study(
        "NCT99000024", "Acute Treatment Study", summary=summary, interventions=[("DRUG", "Ibuprofen")]
    )
    assert classes(classifier, generic, specific) == {"NCT99000023": {"nvns": "summary"}}


def test_a_class_restricted_to_intervention_types_needs_a_trial_of_those_types(classifier):
    drug_only = study(
        "NCT99000025",
        "Non-invasive Vagus Nerve Stimulation and Propranolol",
        interventions=[("DRUG", "Propranolol")],
    )
    untyped = study("NCT99000026", "Non-invasive Vagus Nerve Stimulation in Children")
    assert classes(classifier, drug_only, untyped) == {"NCT99000026": {"nvns": "title"}}


# -- MeSH --------------------------------------------------------------------------------------------


def test_mesh_names_the_class_of_generically_named_interventions(classifier):
    botox = study(
        "NCT99000030",
        "Injections for Chronic Migraine",
        interventions=[("BIOLOGICAL", "Study drug"), ("DRUG", "Placebo")],
        meshes=[("D000019274", "Botulinum Toxins, Type A")],
        ancestors=[("D000001905", "Botulinum Toxins"), ("D000009465", "Neuromuscular Agents")],
    )
    rows = class_rows([botox], classifier)
    assert {
        (r["matched_field"], r["matched_term"], r["matched_text"], r["match_strength"]) for r in rows
    } == {
        ("mesh.descriptor", "botulinum toxin", "Botulinum Toxins, Type A [D000019274]", "mesh"),
        ("mesh.ancestor", "Botulinum Toxins", "Botulinum Toxins [D000001905]", "mesh"),
    }


def test_mesh_of_a_class_named_only_in_controls_is_the_controls(classifier):
    sham_device = study(
        "NCT99000031",
        "Acupuncture Trial",
        interventions=[("PROCEDURE", "Acupuncture"), ("DEVICE", "Sham gammaCore")],
        arms=[
            ("EXPERIMENTAL", "Acupuncture", ["Procedure: Acupuncture"]),
            ("SHAM_COMPARATOR", "Sham", ["Device: Sham gammaCore"]),
        ],
        meshes=[("D055536", "Vagus Nerve Stimulation"), ("D015670", "Acupuncture Therapy")],
    )
    assert classes(classifier, sham_device) == {"NCT99000031": {"acupuncture": "intervention"}}


def test_class_terms_are_not_matched_in_ancestors(classifier):
    """Only mesh_terms and mesh_ids reach ancestors: "Calcitonin Gene-Related Peptide Receptor
    Antagonists" is listed for cgrp, so an unnamed gepant counts for cgrp, not for gepant."""
    unnamed = study(
        "NCT99000032",
        "Oral Tablet for Acute Migraine",
        interventions=[("DRUG", "Active treatment")],
        meshes=[("C000000001", "compound X")],
        ancestors=[
            ("D000067449", "Calcitonin Gene-Related Peptide Receptor Antagonists"),
            ("D000000700", "Analgesics"),
        ],
    )
    assert classes(classifier, unnamed) == {"NCT99000032": {"cgrp": "mesh"}}


# -- the rules are the config's -----------------------------------------------------------------------


def test_cue_words_come_from_the_config(classifier):
    """Without comparator cues the comparator counts; without provocation cues the agent does."""
    settings = load_config(REPO_ROOT / "config.yaml")
    rules = settings.classifier.model_copy(update={"comparator_cues": [], "provocation_cues": []})
    bare = Classifier(settings.treatment_classes, rules.control_terms, rules)
    records = [
        study("NCT99000040", "Rimegepant Versus Sumatriptan"),
        study("NCT99000041", "PACAP-38 Provocation Study", interventions=[("DRUG", "PACAP-38")]),
    ]
    assert classes(classifier, *records) == {"NCT99000040": {"gepant": "title", "cgrp": "title"}}
    assert classes(bare, *records) == {
        "NCT99000040": {"gepant": "title", "cgrp": "title", "triptan": "title"},
        "NCT99000041": {"pacap": "intervention"},
    }


def test_mesh_ids_match_whether_or_not_the_registry_pads_them():
    settings = load_config(REPO_ROOT / "config.yaml")
    toxins = settings.treatment_classes["botulinum_toxin"].model_copy(
        update={"terms": ["Botox"], "mesh_terms": [], "mesh_ids": ["D019274", "D000001905"]}
    )
    custom = Classifier({"botulinum_toxin": toxins}, ["placebo"])
    record = study(
        "NCT99000042",
        "Injections for Chronic Migraine",
        meshes=[("D000019274", "Botulinum Toxins, Type A")],
        ancestors=[("D001905", "Botulinum Toxins")],
    )
    rows = class_rows([record], custom)
    assert sorted((r["matched_field"], r["matched_term"]) for r in rows) == [
        ("mesh.ancestor", "D000001905"),
        ("mesh.descriptor", "D019274"),
    ]
