"""Decide which interventions and arms of one trial are controls, and which intervention types an arm gives.

A therapy named only inside a placebo or sham ("Placebo-matching MK-1602", the placebo arm of an
erenumab trial) is no evidence that the trial tests it. Registry records are often partial, so links
between arms and interventions are read from both sides (an intervention's arm labels and an arm's
"Type: Name" list), and a link to an entry missing from the record is judged by its text alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from pipeline.classify.trial_parts import Arm, Intervention, intervention_type

CONTROL_ARM_TYPES = frozenset({"PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"})


class TrialControls(NamedTuple):  # one per trial a term names: a tuple is built in C
    intervention_is_control: list[bool]
    arm_is_control: list[bool]
    # Intervention types given in each arm; empty when the record does not say (then no type filter).
    arm_types: list[frozenset[str]]


class _Link(NamedTuple):
    """One side of an arm-intervention link: the entry's index if the record has it, else its text."""

    index: int | None
    text: str
    kind: str | None = None


# Names and labels are keyed twice in a trial (an arm's label and an intervention's arm labels, an
# intervention's name and an arm's references) and "Placebo" in most trials: cached.
NAMES_CACHED = 4096


@lru_cache(maxsize=NAMES_CACHED)
def name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=NAMES_CACHED)
def split_intervention_ref(ref: str) -> tuple[str | None, str]:
    """An arm's "Drug: Erenumab" as ("DRUG", "Erenumab"); text without a known type prefix is all name."""
    prefix, sep, rest = ref.partition(":")
    kind = intervention_type(prefix) if sep else None
    return (kind, rest.strip()) if kind else (None, ref.strip())


def find_controls(
    interventions: Sequence[Intervention],
    arms: Sequence[Arm],
    names_a_control: Callable[[str], bool],
    named: tuple[Sequence[bool], Sequence[bool]] | None = None,
) -> TrialControls:
    """A control is named as one (or is a placebo/sham/no-intervention arm), or is linked only to controls.

    ``named``: whether each intervention name and each arm label names a control, when already
    known (found for a whole table at once); otherwise ``names_a_control`` is asked.
    """
    if named is None:
        named = ([names_a_control(iv.name) for iv in interventions], [names_a_control(a.label) for a in arms])
    iv_own = list(named[0])
    arm_own = [arm.arm_type in CONTROL_ARM_TYPES or own for arm, own in zip(arms, named[1], strict=True)]
    iv_arms, arm_ivs = _links(interventions, arms)

    def arm_control(link: _Link) -> bool:
        return arm_own[link.index] if link.index is not None else names_a_control(link.text)

    def iv_control(link: _Link) -> bool:
        return iv_own[link.index] if link.index is not None else names_a_control(link.text)

    return TrialControls(
        intervention_is_control=[
            own or (bool(links) and all(arm_control(link) for link in links))
            for own, links in zip(iv_own, iv_arms, strict=True)
        ],
        arm_is_control=[
            own or (bool(links) and all(iv_control(link) for link in links))
            for own, links in zip(arm_own, arm_ivs, strict=True)
        ],
        arm_types=[frozenset(link.kind for link in links if link.kind) for links in arm_ivs],
    )


def _links(
    interventions: Sequence[Intervention], arms: Sequence[Arm]
) -> tuple[list[list[_Link]], list[list[_Link]]]:
    """Per intervention the arms it is given in; per arm the interventions it gives (with their types)."""
    iv_arms: list[list[_Link]] = [[] for _ in interventions]
    arm_ivs: list[list[_Link]] = [[] for _ in arms]
    arms_by_label: dict[str, list[int]] = {}
    for j, arm in enumerate(arms):
        arms_by_label.setdefault(name_key(arm.label), []).append(j)

    for i, iv in enumerate(interventions):
        for label in iv.arm_labels:
            found = arms_by_label.get(name_key(label), [])
            if not found:
                iv_arms[i].append(_Link(None, label))
            for j in found:
                iv_arms[i].append(_Link(j, label))
                arm_ivs[j].append(_Link(i, iv.name, iv.kind))

    ivs_by_name: dict[str, list[int]] = {}
    for i, iv in enumerate(interventions):
        ivs_by_name.setdefault(name_key(iv.name), []).append(i)
    for j, arm in enumerate(arms):
        for ref in arm.intervention_refs:
            kind, name = split_intervention_ref(ref)
            found = [
                i
                for i in ivs_by_name.get(name_key(name), [])
                if kind is None or interventions[i].kind in (None, kind)
            ]
            if not found:
                arm_ivs[j].append(_Link(None, name, kind))
            for i in found:
                arm_ivs[j].append(_Link(i, name, kind or interventions[i].kind))
                iv_arms[i].append(_Link(j, arm.label))
    return iv_arms, arm_ivs
