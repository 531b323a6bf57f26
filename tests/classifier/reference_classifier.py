"""The classifier as it was before the one-pass matcher (commit d489d0c), kept as the oracle.

Every class's regex scans every text on its own (``TermSet.finditer``), classes are restricted by
intervention type before matching, and tables are read row by row. Slow, but plainly what the
rules say: the one-pass classifier must give exactly its rows. Not used by the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyarrow as pa

from pipeline.classify.classifier import CHILD_CLASS, CONTROL_LOOKBACK_CHARS, Match
from pipeline.classify.controls import find_controls
from pipeline.classify.table_rows import PROVENANCE_COLUMNS
from pipeline.classify.terms import TermSet, snippet
from pipeline.classify.trial_parts import read_arm, read_intervention
from pipeline.config import Settings
from pipeline.sources.ctgov.normalise.schemas import TRIAL_CLASSES
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES

_SENTENCE_END = re.compile(r"[.;!?]")


class ReferenceClassifier:
    def __init__(self, settings: Settings) -> None:
        classes = settings.treatment_classes
        self._terms = {name: TermSet(tc.terms) for name, tc in classes.items()}
        self._parents = {name: tc.parent for name, tc in classes.items()}
        self._types = {
            name: frozenset(tc.intervention_types) if tc.intervention_types else None
            for name, tc in classes.items()
        }
        control_terms = settings.classifier.control_terms
        self._controls = TermSet(list(control_terms)) if control_terms else None

    def names_a_control(self, text: str) -> bool:
        return self._controls is not None and self._controls.search(text)

    def classify_text_fields(self, fields: Iterable[tuple[str, str]]) -> list[Match]:
        found: list[Match] = []
        for field, text in fields:
            if text:
                found.extend(self._match(field, text, self._terms))
        return self._with_ancestors(found)

    def classify_trial(self, interventions: Sequence[Mapping], arms: Sequence[Mapping]) -> list[Match]:
        ivs = [read_intervention(row) for row in interventions]
        arm_rows = [read_arm(row) for row in arms]
        controls = find_controls(ivs, arm_rows, self.names_a_control)
        found: list[Match] = []
        for iv, is_control in zip(ivs, controls.intervention_is_control, strict=True):
            if is_control:
                continue
            terms = self._allowed({iv.kind} if iv.kind else set())
            found.extend(self._match("intervention.name", iv.name, terms))
            for other in iv.other_names:
                found.extend(self._match("intervention.other_name", other, terms))
            found.extend(self._match("intervention.description", iv.description, terms, in_prose=True))
        for arm, is_control, kinds in zip(arm_rows, controls.arm_is_control, controls.arm_types, strict=True):
            if is_control:
                continue
            terms = self._allowed(kinds)
            found.extend(self._match("arm.label", arm.label, terms))
            found.extend(self._match("arm.description", arm.description, terms, in_prose=True))
        return self._with_ancestors(found)

    def _allowed(self, kinds: set[str] | frozenset[str]) -> dict[str, TermSet]:
        return {
            name: terms
            for name, terms in self._terms.items()
            if not kinds or self._types[name] is None or kinds & self._types[name]
        }

    def _match(
        self, field: str, text: str, terms: Mapping[str, TermSet], in_prose: bool = False
    ) -> Iterator[Match]:
        if not text:
            return
        for name, term_set in terms.items():
            for hit in term_set.finditer(text):
                if in_prose and self._follows_control_word(text, hit.start):
                    continue
                yield Match(name, field, hit.term, snippet(text, hit.start, hit.end))

    def _follows_control_word(self, text: str, start: int) -> bool:
        window = text[max(0, start - CONTROL_LOOKBACK_CHARS) : start]
        window = _SENTENCE_END.split(window)[-1]
        return self.names_a_control(window)

    def _with_ancestors(self, found: list[Match]) -> list[Match]:
        result = list(dict.fromkeys(found))
        for child in dict.fromkeys(m.treatment_class for m in found):
            parent = self._parents[child]
            while parent is not None:
                result.append(Match(parent, CHILD_CLASS, child, None))
                child, parent = parent, self._parents[parent]
        return list(dict.fromkeys(result))


def _sort_key(m: Match) -> tuple[str, str, str, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text or "")


def _row(key: str, record_id: str, m: Match, provenance: dict) -> dict:
    return {
        key: record_id,
        "treatment_class": m.treatment_class,
        "matched_field": m.matched_field,
        "matched_term": m.matched_term,
        "matched_text": m.matched_text,
        **provenance,
    }


def reference_ctgov_tables(interventions: pa.Table, arms: pa.Table, ref: ReferenceClassifier) -> pa.Table:
    by_trial: dict[str, tuple[list[dict], list[dict]]] = {}
    for row in interventions.to_pylist():
        by_trial.setdefault(row["nct_id"], ([], []))[0].append(row)
    for row in arms.to_pylist():
        by_trial.setdefault(row["nct_id"], ([], []))[1].append(row)
    out = []
    for nct_id in sorted(by_trial):
        trial_ivs, trial_arms = by_trial[nct_id]
        source = (trial_ivs or trial_arms)[0]
        provenance = {column: source[column] for column in PROVENANCE_COLUMNS}
        matches = ref.classify_trial(trial_ivs, trial_arms)
        # It read interventions and arms only: every match has the strongest match_strength.
        out.extend(
            {**_row("nct_id", nct_id, m, provenance), "match_strength": "intervention"}
            for m in sorted(set(matches), key=_sort_key)
        )
    return pa.Table.from_pylist(out, schema=TRIAL_CLASSES)


def reference_pubmed_tables(
    publications: pa.Table, mesh: pa.Table, keywords: pa.Table, ref: ReferenceClassifier
) -> pa.Table:
    texts: dict[str, list[tuple[str, str]]] = {}
    provenance: dict[str, dict] = {}
    for row in publications.to_pylist():
        pmid = row["pmid"]
        known = provenance.get(pmid)
        if known is None or row["fetched_at"] > known["fetched_at"]:
            provenance[pmid] = {column: row[column] for column in PROVENANCE_COLUMNS}
        texts.setdefault(pmid, []).extend((c, row[c]) for c in ("title", "abstract") if row[c] is not None)
    for table, column, field in ((mesh, "descriptor", "mesh"), (keywords, "keyword", "keyword")):
        for row in table.to_pylist():
            if row[column] is not None:
                texts[row["pmid"]].append((field, row[column]))
    out = []
    for pmid in sorted(texts, key=lambda p: (len(p), p)):
        matches = ref.classify_text_fields(list(dict.fromkeys(texts[pmid])))
        out.extend(_row("pmid", pmid, m, provenance[pmid]) for m in sorted(set(matches), key=_sort_key))
    return pa.Table.from_pylist(out, schema=PUBLICATION_CLASSES)
