"""Classify a chunk of trials at once: their interventions, arms, MeSH rows, titles and summaries.

Each text field is searched as one column for every class in one pass (``Classifier.find_terms``), and
only the trials with a term somewhere are read as rows for their rules. The tiers run in turn over
what is left (pipeline/classify/later_tiers.py): interventions, arms and MeSH for every trial; titles
for the trials those gave no class; summaries for the trials still without one that register no active
intervention or generically named ones. A tier's cue words and provocation checks are searched only in
the texts of the trials that reach it. One trial alone (``classify_trial_record``) is a chunk of one,
so both give the same matches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from pipeline.classify.controls import TrialControls, find_controls
from pipeline.classify.field_hits import ARM, INTERVENTION, FieldHit
from pipeline.classify.later_tiers import SUMMARY, SUMMARY_FIELD, TITLE, TITLE_FIELDS, TextEvidence, TrialView
from pipeline.classify.match import Match
from pipeline.classify.mesh_match import MeshHit, MeshRow
from pipeline.classify.trial_parts import (
    Arm,
    Intervention,
    intervention_type,
    read_arm,
    read_intervention,
    read_mesh,
    read_trial,
)

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier

IV_KEYS = ("nct_id", "name", "intervention_type", "description", "other_names", "arm_group_labels")
ARM_KEYS = ("nct_id", "label", "arm_type", "description", "intervention_names")
TRIAL_KEYS = ("nct_id", "brief_title", "official_title", "brief_summary")
MESH_KEYS = ("nct_id", "mesh_kind", "mesh_id", "term")
TRIAL_TEXT_FIELDS = dict(zip((*TITLE_FIELDS, SUMMARY_FIELD), TRIAL_KEYS[1:], strict=True))  # field -> key
_PART_AND_INDEX = itemgetter(0, 1)  # FieldHit.part, FieldHit.index
ONE_TRIAL = "trial"  # the key of the one trial classify_trial_record reads

Columns = dict[str, list]


@dataclass(frozen=True)
class TrialColumns:
    """A chunk of trials as Python columns, keyed like the ctgov tables."""

    interventions: Columns
    arms: Columns
    trials: Columns
    mesh: Columns


class _Parts(NamedTuple):
    interventions: list[Intervention]
    arms: list[Arm]
    controls: TrialControls
    kinds: frozenset[str]  # types its active interventions and arms give


def classify_columns(classifier: Classifier, cols: TrialColumns) -> dict[str, list[Match]]:
    """nct_id -> its matches with their parent classes, for every trial with at least one."""
    return _Batch(classifier, cols).run()


def classify_trial_record(
    classifier: Classifier,
    interventions: Sequence[Mapping[str, object]],
    arms: Sequence[Mapping[str, object]],
    trial: Mapping[str, object] | None,
    meshes: Sequence[Mapping[str, object]],
) -> list[Match]:
    """One trial's rows, every value checked first (a wrong type fails naming the field)."""
    for row in interventions:
        read_intervention(row)
    for row in arms:
        read_arm(row)
    for row in meshes:
        read_mesh(row)
    if trial is not None:
        read_trial(trial)
    cols = TrialColumns(
        _columns(interventions, IV_KEYS),
        _columns(arms, ARM_KEYS),
        _columns([trial] if trial is not None else [], TRIAL_KEYS),
        _columns(meshes, MESH_KEYS),
    )
    return classify_columns(classifier, cols).get(ONE_TRIAL, [])


def _columns(rows: Sequence[Mapping[str, object]], keys: tuple[str, ...]) -> Columns:
    cols: Columns = {key: [row.get(key) for row in rows] for key in keys[1:]}
    return {keys[0]: [ONE_TRIAL] * len(rows), **cols}


class _Batch:
    def __init__(self, classifier: Classifier, cols: TrialColumns) -> None:
        self.c = classifier
        self.cols = cols
        # rows[nct_id][part]: the trial's row numbers in interventions (INTERVENTION), arms (ARM), trials.
        self.rows: dict[str, tuple[list[int], list[int], list[int]]] = {}
        # local[part][row]: the row's position among its trial's interventions (or arms).
        self.local: tuple[list[int], list[int]] = ([], [])
        for part, table in enumerate((cols.interventions, cols.arms, cols.trials)):
            for row, nct_id in enumerate(table["nct_id"]):
                own = self.rows.setdefault(nct_id, ([], [], []))[part]
                if part < len(self.local):
                    self.local[part].append(len(own))
                own.append(row)
        self.iv_control = classifier.name_controls(cols.interventions["name"])
        self.arm_control = classifier.name_controls(cols.arms["label"])
        self._parts: dict[str, _Parts] = {}

    def run(self) -> dict[str, list[Match]]:
        found = self._first_tier()
        rest = [n for n in dict.fromkeys(self.cols.trials["nct_id"]) if n not in found]
        found.update(self._text_tier(rest, TITLE_FIELDS, TITLE))
        rest = [n for n in rest if n not in found and self._generic(n)]
        found.update(self._text_tier(rest, (SUMMARY_FIELD,), SUMMARY))
        return {nct_id: self.c.with_ancestors(matches) for nct_id, matches in found.items()}

    # -- interventions, arms and MeSH ------------------------------------------------------------------

    def _first_tier(self) -> dict[str, list[Match]]:
        hits = self._field_hits()
        mesh = self._mesh_hits()
        ids = sorted(set(hits) | set(mesh))
        agents = [
            n
            for n in ids
            if any(self._agent(h.text[h.hit.start : h.hit.end]) for h in hits.get(n, ()))
            or any(self._agent(h.span) for h in mesh.get(n, ()))
        ]
        provoked = self._provoked(agents)
        found: dict[str, list[Match]] = {}
        for nct_id in ids:
            parts = self._parts_of(nct_id)
            # In reading order: by intervention (or arm), then field; ``_fields`` gives the fields in
            # reading order, so a stable sort by (part, index) keeps them so.
            own = sorted(hits.get(nct_id, ()), key=_PART_AND_INDEX)
            args = (parts.interventions, parts.arms, parts.controls, nct_id in provoked)
            matches, control_classes = self.c.first_tier(own, *args)
            view = TrialView(parts.kinds, control_classes)
            matches += self.c.later.mesh_matches(mesh.get(nct_id, ()), view, nct_id in provoked)
            if matches:
                found[nct_id] = matches
        return found

    def _field_hits(self) -> dict[str, list[FieldHit]]:
        found: dict[str, list[FieldHit]] = {}
        for part, ids, field, owners, texts in self._fields():
            local = self.local[part]
            for hit in self.c.find_terms(texts):
                row = owners[hit.text_index]
                found.setdefault(ids[row], []).append(
                    FieldHit(part, local[row], field, texts[hit.text_index], hit)
                )
        return found

    def _fields(self) -> Iterator[tuple[int, list[str], str, Sequence[int], list]]:
        """(part, nct ids, field, owning row of each text, texts) for every field the first tier reads,
        in reading order within an intervention or an arm (name, other names, description; label,
        description)."""
        iv, arm = self.cols.interventions, self.cols.arms
        iv_rows, arm_rows = range(len(iv["nct_id"])), range(len(arm["nct_id"]))
        other_owners, other_names = _flatten(iv["other_names"])
        yield INTERVENTION, iv["nct_id"], "intervention.name", iv_rows, iv["name"]
        yield INTERVENTION, iv["nct_id"], "intervention.other_name", other_owners, other_names
        yield INTERVENTION, iv["nct_id"], "intervention.description", iv_rows, iv["description"]
        yield ARM, arm["nct_id"], "arm.label", arm_rows, arm["label"]
        yield ARM, arm["nct_id"], "arm.description", arm_rows, arm["description"]

    def _mesh_hits(self) -> dict[str, list[MeshHit]]:
        mesh = self.cols.mesh
        rows = list(map(MeshRow, mesh["mesh_kind"], mesh["mesh_id"], mesh["term"]))
        found: dict[str, list[MeshHit]] = {}
        for nct_id, row_hits in zip(mesh["nct_id"], self.c.mesh_hits(rows), strict=True):
            if row_hits:
                found.setdefault(nct_id, []).extend(row_hits)
        return found

    # -- titles and summaries ------------------------------------------------------------------------

    def _text_tier(self, ids: list[str], fields: Sequence[str], strength: str) -> dict[str, list[Match]]:
        evidence = self._evidence(ids, fields)
        agents = [
            n
            for n, evs in evidence.items()
            if any(self._agent(e.text[h.start : h.end]) for e in evs for h in e.hits)
        ]
        provoked = self._provoked(agents)
        found: dict[str, list[Match]] = {}
        for nct_id, evs in evidence.items():
            # The trial's intervention types matter only to a class restricted to some.
            restricted = any(self.c.later.restricted(h.name) for e in evs for h in e.hits)
            view = TrialView(self._parts_of(nct_id).kinds if restricted else frozenset(), frozenset())
            matches = self.c.later.text_matches(evs, view, nct_id in provoked, strength)
            if matches:
                found[nct_id] = matches
        return found

    def _evidence(self, ids: list[str], fields: Sequence[str]) -> dict[str, list[TextEvidence]]:
        """The titles (or summaries) of these trials that name a class, with their cue words."""
        owners: list[tuple[str, str]] = []
        texts: list[str] = []
        trials = self.cols.trials
        for nct_id in ids:
            for row in self.rows[nct_id][2]:
                for field in fields:
                    text = trials[TRIAL_TEXT_FIELDS[field]][row]
                    if text:
                        owners.append((nct_id, field))
                        texts.append(text)
        hits: dict[int, list] = {}
        for hit in self.c.find_terms(texts):
            hits.setdefault(hit.text_index, []).append(hit)
        named = list(hits)
        cues: dict[int, list] = {}
        for cue in self.c.later.cues.find([texts[i] for i in named]):
            cues.setdefault(named[cue.text_index], []).append(cue)
        evidence: dict[str, list[TextEvidence]] = {}
        for i in named:
            nct_id, field = owners[i]
            evidence.setdefault(nct_id, []).append(TextEvidence(field, texts[i], hits[i], cues.get(i, [])))
        return evidence

    # -- per trial -------------------------------------------------------------------------------------

    def _parts_of(self, nct_id: str) -> _Parts:
        parts = self._parts.get(nct_id)
        if parts is None:
            iv_rows, arm_rows = self.rows[nct_id][:2]
            ivs = [_intervention(self.cols.interventions, row) for row in iv_rows]
            arms = [_arm(self.cols.arms, row) for row in arm_rows]
            named = ([self.iv_control[r] for r in iv_rows], [self.arm_control[r] for r in arm_rows])
            controls = find_controls(ivs, arms, self.c.names_a_control, named=named)
            kinds = {
                iv.kind
                for iv, ctl in zip(ivs, controls.intervention_is_control, strict=True)
                if iv.kind and not ctl
            }
            for arm_kinds, ctl in zip(controls.arm_types, controls.arm_is_control, strict=True):
                if not ctl:
                    kinds |= arm_kinds
            parts = self._parts[nct_id] = _Parts(ivs, arms, controls, frozenset(kinds))
        return parts

    def _generic(self, nct_id: str) -> bool:
        """Whether every intervention of the trial names a control or nothing specific (or it has none)."""
        names = self.cols.interventions["name"]
        return all(
            self.iv_control[row] or self.c.generic_names.is_generic(names[row] or "")
            for row in self.rows[nct_id][0]
        )

    def _agent(self, span: str) -> bool:
        return self.c.later.provocation.names_agent(span)

    def _provoked(self, ids: list[str]) -> set[str]:
        """The trials among ``ids`` that use a provocation cue in any of their texts."""
        owners: list[str] = []
        texts: list[str | None] = []
        for nct_id in ids:
            for text in self._trial_texts(nct_id):
                owners.append(nct_id)
                texts.append(text)
        return {owners[i] for i in self.c.later.provocation.texts_with_cue(texts)}

    def _trial_texts(self, nct_id: str) -> Iterator[str | None]:
        iv_rows, arm_rows, trial_rows = self.rows[nct_id]
        iv, arm, trials = self.cols.interventions, self.cols.arms, self.cols.trials
        for row in trial_rows:
            yield from (trials[key][row] for key in TRIAL_KEYS[1:])
        for row in iv_rows:
            yield iv["name"][row]
            yield iv["description"][row]
            yield from iv["other_names"][row] or ()
        for row in arm_rows:
            yield arm["label"][row]
            yield arm["description"][row]


def _flatten(lists: list[Sequence[str | None] | None]) -> tuple[list[int], list[str | None]]:
    owners: list[int] = []
    items: list[str | None] = []
    for row, values in enumerate(lists):
        if values:
            owners.extend([row] * len(values))
            items.extend(values)
    return owners, items


def _intervention(iv: Columns, row: int) -> Intervention:
    return Intervention(
        iv["name"][row] or "",
        intervention_type(iv["intervention_type"][row]),
        iv["description"][row] or "",
        _texts(iv["other_names"][row]),
        _texts(iv["arm_group_labels"][row]),
    )


def _arm(arm: Columns, row: int) -> Arm:
    return Arm(
        arm["label"][row] or "",
        (arm["arm_type"][row] or "").upper() or None,
        arm["description"][row] or "",
        _texts(arm["intervention_names"][row]),
    )


def _texts(values: Sequence[str | None] | None) -> tuple[str, ...]:
    return tuple(filter(None, values)) if values else ()  # the non-empty ones
