"""Where in a trial a term was found: the link between one-pass text search and per-trial rules.

Terms are searched for in whole columns of texts (or all texts of one trial) without regard to
controls or intervention types; each hit is then placed back in its trial as a FieldHit, and the
trial's rules decide whether it counts (``Classifier.trial_matches``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from pipeline.classify.one_pass import TextHit
from pipeline.classify.trial_parts import Arm, Intervention

INTERVENTION, ARM = 0, 1  # FieldHit.part
# Free-text fields, where a term right after a control word is discarded ("placebo matching
# erenumab"); names, other names and labels are judged whole by the control rules instead.
PROSE_FIELDS = frozenset({"intervention.description", "arm.description"})


class FieldHit(NamedTuple):
    """A term found in one text of one trial, before the trial's control and type rules apply."""

    part: int  # INTERVENTION or ARM
    index: int  # which intervention or arm of the trial
    field: str  # e.g. intervention.other_name
    text: str  # the whole text the term was found in
    hit: TextHit


def trial_texts(
    interventions: Sequence[Intervention], arms: Sequence[Arm]
) -> Iterator[tuple[int, int, str, str]]:
    """(part, index, field, text) of every text the classifier reads in one trial, in reading order."""
    for i, iv in enumerate(interventions):
        yield INTERVENTION, i, "intervention.name", iv.name
        for other in iv.other_names:
            yield INTERVENTION, i, "intervention.other_name", other
        yield INTERVENTION, i, "intervention.description", iv.description
    for j, arm in enumerate(arms):
        yield ARM, j, "arm.label", arm.label
        yield ARM, j, "arm.description", arm.description
