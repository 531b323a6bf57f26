"""Hand-written trials (never seen in the fixtures) through the shipped config and a small test config."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify.classifier import Classifier, ClassifyError, Match
from pipeline.config import Settings, TreatmentClass, load_config
from pipeline.errors import ConfigError, PipelineError

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.from_settings(load_config(REPO_ROOT / "config.yaml"))


def small_classifier(**overrides: object) -> Classifier:
    classes = {
        "stimulation": {"label": "Any stimulation", "terms": ["stimulation therapy"]},
        "neuro_device": {
            "label": "Neuro devices",
            "terms": ["zapper", "ZX-100"],
            "intervention_types": ["DEVICE"],
            "parent": "stimulation",
        },
        "zapper_pro": {"label": "Zapper Pro", "terms": ["Zapper Pro"], "parent": "neuro_device"},
        "pill": {"label": "Pills", "terms": ["pillomab"]},
    }
    return Classifier.from_settings(Settings.model_validate({"treatment_classes": classes, **overrides}))


def iv(name, kind=None, description=None, other_names=None, arms=None) -> dict:
    return {
        "name": name,
        "intervention_type": kind,
        "description": description,
        "other_names": other_names,
        "arm_group_labels": arms,
    }


def arm(label, arm_type=None, description=None, interventions=None) -> dict:
    return {
        "label": label,
        "arm_type": arm_type,
        "description": description,
        "intervention_names": interventions,
    }


def classes(matches: list[Match]) -> set[str]:
    return {m.treatment_class for m in matches}


def test_active_arm_counts_but_placebo_matching_it_does_not(shipped):
    matches = shipped.classify_trial(
        [
            iv("Erenumab", "BIOLOGICAL", arms=["Erenumab 140 mg"]),
            iv("Placebo", "OTHER", description="Placebo matching erenumab", arms=["Placebo"]),
        ],
        [
            arm("Erenumab 140 mg", "EXPERIMENTAL", interventions=["Biological: Erenumab"]),
            arm("Placebo", "PLACEBO_COMPARATOR", "Placebo matching erenumab, then erenumab open label"),
        ],
    )
    fields = {(m.treatment_class, m.matched_field) for m in matches}
    assert fields == {
        ("cgrp_antibody", "intervention.name"),
        ("cgrp_antibody", "arm.label"),
        ("cgrp", "child_class"),
    }


def test_placebo_only_trial_gets_no_class(shipped):
    matches = shipped.classify_trial(
        [iv("Placebo-matching MK-1602", "DRUG", "tablet to match ubrogepant 50 mg")],
        [arm("Placebo for atogepant", None, "Atogepant-matching tablets")],
    )
    assert matches == []


def test_sham_device_arm_does_not_count(shipped):
    matches = shipped.classify_trial(
        [iv("Sham gammaCore", "DEVICE", "Looks like gammaCore but delivers no stimulation", arms=["Sham"])],
        [arm("Sham", "SHAM_COMPARATOR", "Sham non-invasive vagus nerve stimulation")],
    )
    assert matches == []


def test_an_intervention_given_only_in_placebo_arms_is_a_control(shipped):
    matches = shipped.classify_trial(
        [iv("Normal saline", "DRUG", "Saline injections mimicking onabotulinumtoxinA", arms=["Group B"])],
        [arm("Group B", "PLACEBO_COMPARATOR")],
    )
    assert matches == []


def test_an_arm_giving_only_placebo_is_a_control_even_with_a_neutral_label(shipped):
    matches = shipped.classify_trial(
        [],
        [arm("Group 2", None, "Receives injections identical to fremanezumab", ["Drug: Placebo"])],
    )
    assert matches == []


def test_control_word_just_before_a_term_in_a_description_is_ignored(shipped):
    description = "Lasmiditan 100 mg plus placebo to match galcanezumab."
    matches = shipped.classify_trial([], [arm("Arm A", "EXPERIMENTAL", description)])
    assert {(m.treatment_class, m.matched_term) for m in matches} == {("ditan", "lasmiditan")}


def test_description_only_match(shipped):
    matches = shipped.classify_trial(
        [iv("Study drug", "DRUG", "Subcutaneous galcanezumab 120 mg monthly after a 240 mg loading dose")],
        [],
    )
    [hit] = [m for m in matches if m.treatment_class == "cgrp_antibody"]
    assert hit.matched_field == "intervention.description"
    assert hit.matched_term == "galcanezumab"
    assert "galcanezumab 120 mg" in (hit.matched_text or "")


@pytest.mark.parametrize("code", ["AMG 334", "AMG-334", "AMG334", "amg 334"])
def test_code_spellings_in_other_names(shipped, code):
    matches = shipped.classify_trial([iv("Study drug A", "BIOLOGICAL", other_names=[code])], [])
    assert Match("cgrp_antibody", "intervention.other_name", "AMG 334", code) in matches


def test_parent_chain_is_expanded_with_the_child_as_reason():
    matches = small_classifier().classify_trial([iv("Zapper Pro", "DEVICE")], [])
    assert matches == [
        Match("neuro_device", "intervention.name", "zapper", "Zapper Pro"),
        Match("zapper_pro", "intervention.name", "Zapper Pro", "Zapper Pro"),
        Match("stimulation", "child_class", "neuro_device", None),
        Match("neuro_device", "child_class", "zapper_pro", None),
    ]


def test_intervention_type_filter():
    classifier = small_classifier()
    assert classes(classifier.classify_trial([iv("ZX-100 zapper", "DEVICE")], [])) == {
        "neuro_device",
        "stimulation",
    }
    assert classifier.classify_trial([iv("ZX-100", "DRUG", "Drug given before the zapper")], []) == []
    # An arm is filtered by the types of the interventions it gives ...
    assert classifier.classify_trial([], [arm("ZX100 arm", "EXPERIMENTAL", None, ["Drug: Pillomab"])]) == []
    device_arm = arm("ZX100 arm", "EXPERIMENTAL", None, ["Device: ZX100"])
    assert "neuro_device" in classes(classifier.classify_trial([], [device_arm]))
    # ... and a record that does not give the type is not filtered out.
    assert "neuro_device" in classes(classifier.classify_trial([iv("ZX-100")], [arm("ZX-100")]))


def test_shipped_nvns_is_device_only(shipped):
    drug = iv("Sumatriptan", "DRUG", "Participants may keep using gammaCore for cluster attacks")
    assert classes(shipped.classify_trial([drug], [])) == {"triptan"}
    device = iv("gammaCore", "DEVICE", arms=["Active nVNS"])
    assert classes(shipped.classify_trial([device], [arm("Active nVNS", "EXPERIMENTAL")])) == {"nvns"}


def test_unrelated_trial_gets_no_class(shipped):
    matches = shipped.classify_trial(
        [iv("Propranolol", "DRUG", "40 mg twice daily"), iv("Topiramate", "DRUG", "50 mg daily")],
        [arm("Propranolol", "ACTIVE_COMPARATOR", "Oral propranolol for 12 weeks")],
    )
    assert matches == []


def test_gene_related_peptide_is_not_gene_therapy(shipped):
    matches = shipped.classify_trial(
        [iv("Calcitonin gene-related peptide infusion", "DRUG", "CGRP 1.5 µg/min to provoke migraine")],
        [arm("CGRP provocation", "EXPERIMENTAL", "Calcitonin gene related peptide infusion")],
    )
    assert matches == []


def test_several_classes_and_arm_description_field(shipped):
    matches = shipped.classify_trial(
        [],
        [arm("Combination", "EXPERIMENTAL", "Acupuncture twice weekly plus mindfulness sessions")],
    )
    assert {(m.treatment_class, m.matched_field) for m in matches} == {
        ("acupuncture", "arm.description"),
        ("behavioural_lifestyle", "arm.description"),
    }


def test_identical_matches_are_recorded_once(shipped):
    matches = shipped.classify_trial([iv("Ketamine", "DRUG"), iv("ketamine", "DRUG")], [])
    assert [m.matched_text for m in matches if m.treatment_class == "ketamine"] == ["Ketamine", "ketamine"]
    assert len(shipped.classify_trial([iv("Ketamine"), iv("Ketamine")], [])) == 1


def test_text_fields_have_no_control_logic_and_no_type_filter():
    classifier = small_classifier()
    matches = classifier.classify_text_fields([("title", "Placebo-controlled trial of ZX-100"), ("mesh", "")])
    assert matches == [
        Match("neuro_device", "title", "ZX-100", "Placebo-controlled trial of ZX-100"),
        Match("stimulation", "child_class", "neuro_device", None),
    ]


@pytest.mark.parametrize(
    ("interventions", "arms", "message"),
    [
        ([iv("x", other_names="AMG 334")], [], "other_names must be a list of text"),
        ([iv(42)], [], "intervention name must be text"),
        ([], [arm("a", interventions=[1])], "intervention_names must hold only text"),
        (["Erenumab"], [], "must be a mapping"),
    ],
)
def test_bad_values_raise_a_one_line_pipeline_error(shipped, interventions, arms, message):
    with pytest.raises(ClassifyError, match=message) as info:
        shipped.classify_trial(interventions, arms)
    assert isinstance(info.value, PipelineError)
    assert "\n" not in str(info.value)


def test_a_term_without_letters_is_a_config_error():
    classes_ = {"odd": {"label": "Odd", "terms": ["--"]}}
    with pytest.raises(ConfigError, match=r"treatment_classes\.odd\.terms: term '--' has no letters"):
        Classifier.from_settings(Settings.model_validate({"treatment_classes": classes_}))


def test_no_control_terms_means_only_arm_types_mark_controls():
    classifier = small_classifier(classifier={"control_terms": []})
    assert classes(classifier.classify_trial([iv("Placebo pillomab")], [])) == {"pill"}
    assert classifier.classify_trial([], [arm("pillomab", "PLACEBO_COMPARATOR")]) == []


def test_classes_built_without_settings_are_still_checked_for_parent_cycles():
    classes_ = {
        "a": TreatmentClass(label="A", terms=["alpha"], parent="b"),
        "b": TreatmentClass(label="B", terms=["beta"], parent="a"),
    }
    with pytest.raises(ConfigError, match=r"treatment_classes\.a\.parent: cycle through 'a'"):
        Classifier(classes_, ["placebo"])
    with pytest.raises(ConfigError, match="unknown class 'c'"):
        Classifier({"a": TreatmentClass(label="A", terms=["alpha"], parent="c")}, [])
