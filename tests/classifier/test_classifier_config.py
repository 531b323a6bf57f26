"""The shipped config.yaml loads through the real loader and holds every class the review needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.classify.classifier import Classifier
from pipeline.config import Settings, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "gene_therapy": None,
    "stem_cell": None,
    "ketamine": None,
    "cgrp": None,
    "cgrp_antibody": "cgrp",
    "gepant": "cgrp",
    "nvns": None,
    "tms": None,
    "neurostimulation_other": None,
    "botulinum_toxin": None,
    "triptan": None,
    "ditan": None,
    "pacap": None,
    "behavioural_lifestyle": None,
    "manual_therapy": None,
    "acupuncture": None,
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_config(REPO_ROOT / "config.yaml")


def test_required_classes_exist_with_labels_and_parents(settings):
    for name, parent in REQUIRED.items():
        tc = settings.treatment_classes.get(name)
        assert tc is not None, f"missing treatment class {name}"
        assert tc.label.strip(), name
        assert tc.parent == parent, name


def test_shipped_classes_compile_and_control_terms_mark_controls(settings):
    classifier = Classifier.from_settings(settings)
    assert set(REQUIRED) <= set(classifier.class_names)
    for control in ("Placebo", "Sham gammaCore", "Matching placebo", "Vehicle cream", "Waitlist"):
        assert classifier.names_a_control(control), control
    assert not classifier.names_a_control("Erenumab 140 mg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aimovig (erenumab-aooe)", {"cgrp_antibody", "cgrp"}),
        ("Ajovy", {"cgrp_antibody", "cgrp"}),
        ("Emgality", {"cgrp_antibody", "cgrp"}),
        ("Vyepti", {"cgrp_antibody", "cgrp"}),
        ("Nurtec ODT", {"gepant", "cgrp"}),
        ("Qulipta (AGN-241689)", {"gepant", "cgrp"}),
        ("Zavzpret nasal spray", {"gepant", "cgrp"}),
        ("a CGRP receptor antagonist", {"cgrp"}),
        ("Reyvow", {"ditan"}),
        ("Maxalt-MLT", {"triptan"}),
        ("Spravato", {"ketamine"}),
        ("OnabotulinumtoxinA", {"botulinum_toxin"}),
        ("SpringTMS", {"tms"}),
        ("Cefaly", {"neurostimulation_other"}),
        ("Relivion", {"neurostimulation_other"}),
        ("occipital nerve stimulation", {"neurostimulation_other"}),
        ("AMG 301", {"pacap"}),
        ("adeno-associated virus vector", {"gene_therapy"}),
        ("autologous stromal vascular fraction", {"stem_cell"}),
        ("osteopathic manipulative treatment", {"manual_therapy"}),
        ("electroacupuncture", {"acupuncture"}),
        ("progressive muscle relaxation", {"behavioural_lifestyle"}),
        ("calcitonin gene-related peptide", set()),
        ("headache education", set()),
        ("CGRP infusion", set()),
    ],
)
def test_shipped_terms_on_text(settings, text, expected):
    matches = Classifier.from_settings(settings).classify_text_fields([("title", text)])
    assert {m.treatment_class for m in matches} == expected


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"classifier": {"min_match_strength": "abstract"}},
            "classifier.min_match_strength: Input should be",
        ),
        ({"classifier": {"comparator_cue": ["versus"]}}, "classifier.comparator_cue: unknown key"),
        (
            {"classifier": {"provocation_cues": ["--"]}},
            "classifier.provocation_cues: term '--' has no letters",
        ),
        (
            {"treatment_classes": {"x": {"mesh_term": ["Ketamine"]}}},
            "treatment_classes.x.mesh_term: unknown key",
        ),
        (
            {"treatment_classes": {"x": {"mesh_ids": ["M9744"]}}},
            "treatment_classes.x.mesh_ids.0: String should match pattern",
        ),
        (
            {"treatment_classes": {"x": {"min_match_strength": "keyword"}}},
            "treatment_classes.x.min_match_strength",
        ),
    ],
)
def test_a_wrong_classifier_key_fails_at_start_up_naming_it(tmp_path, patch, message):
    import yaml

    from pipeline.errors import ConfigError

    config = {"treatment_classes": {"x": {"label": "X", "terms": ["xenon"]}}}
    for key, value in patch.items():
        if key == "treatment_classes":
            config[key]["x"].update(value["x"])
        else:
            config[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(path)


def test_shipped_mesh_terms_name_categories_not_the_peptides_provocation_studies_infuse(settings):
    listed = {t.casefold() for tc in settings.treatment_classes.values() for t in tc.mesh_terms}
    for trap in ("Calcitonin Gene-Related Peptide", "Tryptamines", "Electric Stimulation Therapy"):
        assert trap.casefold() not in listed
    assert "calcitonin gene-related peptide receptor antagonists" in listed
