"""Generated trials and publications full of tricky spellings, for comparing two classifiers.

Synthetic on purpose (not registry data): every configured term and control word, spelt with
every separator the terms allow and some they do not ("_", "."), in any case, in the plural, glued
to letters, digits or symbols, with the non-ASCII letters Python's case-insensitive matching takes
for ASCII ones, behind control words near and far, in interventions and arms of every type and
linked every way. Seeded, so a failure is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

import pyarrow as pa

from pipeline.classify.terms import term_tokens
from pipeline.config import Settings
from pipeline.sources.ctgov.normalise.schemas import ARMS, INTERVENTIONS
from pipeline.sources.pubmed.normalise.schemas import PUBLICATION_KEYWORDS, PUBLICATION_MESH, PUBLICATIONS

GAPS = [" ", "-", "", "", "\u2010", "\u2011", "\u2013", "/", "  ", " - ", "_", ".", "\u00a0", "\t"]
BEFORE = ["", "", " ", "(", "x", "2", "_", "\u00ae", "\u00e9", "\x00", "-", "'", "\u2019", "\n"]
AFTER = ["", "", " ", ")", "s", "es", "x", "9", "_", "\u00ae", "\u00e9", ".", "-like", "\x00", "\u2122"]
TWINS = {"s": "\u017f", "k": "\u212a", "i": "\u0131", "I": "\u0130"}
# Words that start like anchors ("e" of e-TNS, "non" of non-invasive ...) without being terms.
FILLER = [
    *("each", "effect", "every", "early", "e", "e-", "non", "nerve", "gene", "stem", "anti", "cell"),
    *("cells", "the", "of", "and", "in", "with", "mg", "study", "drug", "dose", "oral", "daily"),
    *("weeks", "patients", "migraine", "headache", "versus", "compared", "arm", "group"),
]
JOINS = [" ", " ", ", ", ". ", "; ", "! ", "? ", "", " (", ") ", " and ", " matching ", " or "]
INTERVENTION_TYPES = ["DRUG", "DEVICE", "PROCEDURE", "BEHAVIORAL", "Dietary Supplement", "OTHER", None, "x"]
ARM_TYPES = [
    "EXPERIMENTAL",
    "ACTIVE_COMPARATOR",
    "PLACEBO_COMPARATOR",
    "SHAM_COMPARATOR",
    "NO_INTERVENTION",
    "placebo_comparator",
    "OTHER",
    None,
]
REF_PREFIXES = ["Drug: ", "Device: ", "Procedure: ", "Other: ", "", "Biological: ", "Nonsense: "]
FETCHED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PROVENANCE = {"run_id": "20261102T100000Z-ab12", "data_timestamp": "2026-11-01T09:00"}


class Stress:
    def __init__(self, settings: Settings, seed: int) -> None:
        self.rng = random.Random(seed)
        self.terms = [t for tc in settings.treatment_classes.values() for t in tc.terms]
        self.controls = list(settings.classifier.control_terms)

    def spelling(self, term: str) -> str:
        rng = self.rng
        tokens = term_tokens(term) if rng.random() < 0.8 else [term]
        text = tokens[0]
        for token in tokens[1:]:
            text += rng.choice(GAPS) + token
        text = rng.choice([str, str.upper, str.lower, str.title, str.swapcase])(text)
        roll = rng.random()
        if roll < 0.15:
            text += rng.choice(["s", "es", "S"])
        elif roll < 0.25 and text[-1:] in "yY":
            text = text[:-1] + rng.choice(["ies", "IES"])
        if rng.random() < 0.1:
            text = "".join(TWINS.get(c, c) if rng.random() < 0.5 else c for c in text)
        return rng.choice(BEFORE) + text + rng.choice(AFTER)

    def word(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            return self.spelling(self.rng.choice(self.terms))
        if roll < 0.6:
            return self.spelling(self.rng.choice(self.controls))
        return self.rng.choice(FILLER)

    def text(self, max_words: int = 8) -> str | None:
        if self.rng.random() < 0.1:
            return self.rng.choice([None, ""])
        words = [self.word() for _ in range(self.rng.randint(1, max_words))]
        out = words[0]
        for word in words[1:]:
            out += self.rng.choice(JOINS) + word
        return out

    def texts(self) -> list[str | None] | None:
        if self.rng.random() < 0.3:
            return self.rng.choice([None, []])
        return [self.text(3) for _ in range(self.rng.randint(1, 3))]

    def trial(self, nct_id: str) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        n_ivs, n_arms = rng.randint(0, 4), rng.randint(0, 4)
        arm_labels = [self.text(3) for _ in range(n_arms)]
        iv_names = [self.text(3) for _ in range(n_ivs)]
        ivs = [
            {
                "nct_id": nct_id,
                "intervention_idx": i,
                "intervention_type": rng.choice(INTERVENTION_TYPES),
                "name": iv_names[i],
                "description": self.text(20),
                "other_names": self.texts(),
                "arm_group_labels": self._refs(arm_labels, ""),
                "fetched_at": FETCHED,
                **PROVENANCE,
            }
            for i in range(n_ivs)
        ]
        arms = [
            {
                "nct_id": nct_id,
                "arm_idx": j,
                "label": arm_labels[j],
                "arm_type": rng.choice(ARM_TYPES),
                "description": self.text(20),
                "intervention_names": self._refs(iv_names, None),
                "fetched_at": FETCHED,
                **PROVENANCE,
            }
            for j in range(n_arms)
        ]
        return ivs, arms

    def _refs(self, names: Sequence[str | None], prefix: str | None) -> list[str | None] | None:
        """Links to existing entries (by name, maybe with a type prefix), to missing ones, or none."""
        if self.rng.random() < 0.2:
            return None
        refs: list[str | None] = []
        for _ in range(self.rng.randint(0, 3)):
            target = self.rng.choice([*names, self.text(2)]) if names else self.text(2)
            lead = self.rng.choice(REF_PREFIXES) if prefix is None else prefix
            refs.append(None if target is None else lead + target)
        return refs

    def trial_tables(self, n_trials: int) -> tuple[pa.Table, pa.Table]:
        ivs: list[dict] = []
        arms: list[dict] = []
        for n in range(n_trials):
            trial_ivs, trial_arms = self.trial(f"NCT{90000000 + n:08d}")
            ivs.extend(trial_ivs)
            arms.extend(trial_arms)
        self.rng.shuffle(ivs)  # a trial's rows need not be next to each other
        return pa.Table.from_pylist(ivs, schema=INTERVENTIONS), pa.Table.from_pylist(arms, schema=ARMS)

    def publication_tables(self, n_pmids: int) -> tuple[pa.Table, pa.Table, pa.Table]:
        pubs, mesh, keywords = [], [], []
        for n in range(n_pmids):
            pmid = str(10_000 + n)
            for _ in range(self.rng.choice([1, 1, 1, 2])):  # a PMID read twice in one run
                pubs.append({"pmid": pmid, "title": self.text(10), "abstract": self.text(40),
                             "fetched_at": FETCHED, **PROVENANCE})  # fmt: skip
            mesh.extend({"pmid": pmid, "descriptor": self.text(3)} for _ in range(self.rng.randint(0, 3)))
            keywords.extend({"pmid": pmid, "keyword": self.text(2)} for _ in range(self.rng.randint(0, 3)))
        return (
            _table(pubs, PUBLICATIONS),
            _table(mesh, PUBLICATION_MESH),
            _table(keywords, PUBLICATION_KEYWORDS),
        )


# Required columns the classifier does not read.
DEFAULTS = {"record_kind": "article", "author_count": 1, "owner": "NLM", "descriptor": "", "keyword": ""}


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Rows with only some of the schema's columns: the others null, or a default where required."""

    def default(field: pa.Field) -> object:
        return DEFAULTS.get(field.name, False if field.type == pa.bool_() else None)

    filled = [{f.name: row.get(f.name) or default(f) for f in schema} for row in rows]
    return pa.Table.from_pylist(filled, schema=schema)
