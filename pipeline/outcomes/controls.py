"""Which outcome group is the control, and which registered arm each group is, with the rule that said so.

Result groups (OG000, ...) are named freely by the sponsor; arms carry the registry's arm type. A group
is matched to the arm whose label's words it contains (or that contains its words); a placebo, sham or
no-intervention arm type makes it the control. Otherwise its title decides: it names a control term
(config classifier.control_terms) and none of the trial's active interventions ("Placebo qw" is the
control even where the sponsor typed its arm EXPERIMENTAL; "Erenumab 70 mg + placebo" is not). A title
naming a sequence ("Placebo->OL CZP", "Placebo then erenumab") is neither control nor comparison arm;
one joining treatments ("Fremanezumab 675 mg/Placebo/Placebo", "Drug + placebo") is never a control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.outcomes.taxonomy import Taxonomy

_WORD = re.compile(r"[a-z0-9]+")
# A group that got one treatment, then another (an open-label extension after placebo, a crossover).
_SEQUENCE = re.compile(r"\bthen\b|followed by|\u2192|->|\bswitch(?:ed)? to\b", re.IGNORECASE)
# "/" joins doses of a regimen ("675 mg/Placebo/Placebo") or a combination: never a plain control.
_JOINED = re.compile(r"/|\+|\bplus\b|\bwith\b", re.IGNORECASE)
# Words of intervention names that do not tell one intervention from another.
_GENERIC = frozenset(
    [
        "drug",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "injection",
        "infusion",
        "oral",
        "dose",
        "doses",
        "matching",
        "matched",
        "subcutaneous",
        "intravenous",
        "solution",
        "device",
        "sham",
        "placebo",
        "vehicle",
        "dummy",
    ]
)
_STANDARD_CARE = re.compile(
    r"\b(?:usual care|standard (?:of )?care|standard treatment|treatment as usual|best supportive care)\b",
    re.IGNORECASE,
)
CONTROL_ARM_TYPES = {
    "PLACEBO_COMPARATOR": "placebo",
    "SHAM_COMPARATOR": "sham",
    "NO_INTERVENTION": "no_intervention",
}
ACTIVE_COMPARATOR_RANK = 4


@dataclass(frozen=True)
class Group:
    group_id: str
    title: str | None
    description: str | None
    n: float | None


@dataclass(frozen=True)
class Arm:
    label: str
    arm_type: str | None


@dataclass(frozen=True)
class GroupRole:
    group: Group
    arm: Arm | None
    arm_problem: str | None  # why no single arm matched, when the trial registers arms
    control_type: str | None  # placebo / sham / no_intervention / standard_care / active_comparator
    rank: int | None  # lower is a stronger reason to be the control
    rule: str | None
    excluded: str | None = None  # why the group is neither control nor comparison arm


def _words(text: str | None) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower())) if text else frozenset()


def match_arm(title: str | None, arms: list[Arm]) -> tuple[Arm | None, str | None]:
    """The arm whose label's words the title contains or that contains the title's words."""
    words = _words(title)
    if not arms or not words:
        return None, ("outcome group has no title" if arms else None)
    scored = []
    for arm in arms:
        label = _words(arm.label)
        if label and (label <= words or words <= label):
            scored.append((len(label & words) / len(label | words), arm))
    if not scored:
        return None, f"outcome group {title!r} matches no registered arm"
    scored.sort(key=lambda item: item[0], reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        labels = ", ".join(repr(a.label) for _, a in scored)
        return None, f"outcome group {title!r} matches several registered arms ({labels})"
    return scored[0][1], None


def drug_words(names: list[str], taxonomy: Taxonomy) -> frozenset[str]:
    """Distinctive words of the trial's intervention names that are not controls ("dupilumab")."""
    words: set[str] = set()
    for name in names:
        if name and not taxonomy.names_a_control(name):
            words |= {w for w in _words(name) if len(w) >= 4 and w.isalpha() and w not in _GENERIC}
    return frozenset(words)


def group_role(group: Group, arms: list[Arm], taxonomy: Taxonomy, drugs: frozenset[str]) -> GroupRole:
    arm, problem = match_arm(group.title, arms)
    title = group.title or ""
    term = taxonomy.names_a_control(title)
    if _SEQUENCE.search(title):
        why = f"group {title!r} is a treatment sequence, not a comparison arm"
        return GroupRole(group, arm, None, None, None, None, why)
    arm_type = arm.arm_type if arm else None
    if arm is not None and arm_type in CONTROL_ARM_TYPES:
        kind = CONTROL_ARM_TYPES[arm_type]
        rank = 0 if kind != "no_intervention" else 2
        return GroupRole(group, arm, None, kind, rank, f"arm type {arm_type} (arm {arm.label!r})")
    if term and not (_words(title) & drugs) and not _JOINED.search(title):
        lowered = term.lower()
        kind = "sham" if lowered == "sham" else "no_intervention" if "wait" in lowered else "placebo"
        typed = f"; its arm is typed {arm_type}" if arm_type else ""
        return GroupRole(group, arm, None, kind, 1, f"group title names a control ({term!r}){typed}")
    care = _STANDARD_CARE.search(title)
    if care and arm_type != "EXPERIMENTAL":
        return GroupRole(group, arm, problem, "standard_care", 3, f"group title names {care.group(0)!r}")
    if arm is not None and arm_type == "ACTIVE_COMPARATOR":
        rule = f"arm type ACTIVE_COMPARATOR (arm {arm.label!r}), no placebo, sham or untreated group"
        return GroupRole(group, arm, None, "active_comparator", ACTIVE_COMPARATOR_RANK, rule)
    return GroupRole(group, arm, problem, None, None, None)


def choose_control(roles: list[GroupRole]) -> tuple[GroupRole | None, list[GroupRole], str | None]:
    """(control, comparison groups, reason when there is no single control). Excluded groups (sequences)
    are returned among the comparison groups so each gets a row with its reason."""
    ranked = [r for r in roles if r.rank is not None]
    strong = [r for r in ranked if r.rank < ACTIVE_COMPARATOR_RANK]
    pool = strong or ranked
    if not pool:
        titles = ", ".join(repr(r.group.title) for r in roles) or "none"
        return (
            None,
            [],
            (
                "no control group: no group is a placebo, sham, untreated, standard-care or "
                f"active-comparator arm (groups: {titles})"
            ),
        )
    best = min(r.rank for r in pool)
    chosen = [r for r in pool if r.rank == best]
    if len(chosen) > 1:
        listed = ", ".join(f"{r.group.title!r} ({r.group.group_id})" for r in chosen)
        return None, [], f"several control groups, none preferred: {listed}"
    control = chosen[0]
    others = [r for r in roles if r.rank is None]
    if not any(r.excluded is None for r in others):
        return control, [], "no comparison group besides the control"
    return control, others, None
