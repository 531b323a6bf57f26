"""A source's classification as one more ``Derivation``, so one mechanism serves both.

Classifying, like deriving, is per record and depends on part of the config (the treatment classes and
the classifier's rules) besides the records. Seen as a derivation, the classification partition is
stamped with ``classes_config_digest`` (recovery classifies a run again when the treatment classes
change), the classify step keeps a current partition as it is, and the normaliser classifies each page
where it normalises it (pipeline/sources/derive_pages.py) when ``Classification.by_page`` says a run's
rows are its pages' sorted by key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.classify.classifier import Classifier
from pipeline.config import Settings
from pipeline.sources.spec import Classification, Derivation, Source
from pipeline.util.per_config import OncePerConfig

# Bump when the classifier's logic changes what it finds in the same records with the same config:
# every run's classes are then computed again at the next refresh.
LOGIC_VERSION = "classes-1"


def classes_config_digest(settings: Settings) -> str:
    """What a classification partition depends on besides the records: each treatment class's terms,
    types, parent and MeSH (in config order), the classifier's control terms and cue words, and the logic
    version. Labels and ``min_match_strength`` are left out: the evidence tables apply them, the rows
    keep every match whatever they are."""
    shown_only = {"label", "min_match_strength"}
    config = {
        "logic": LOGIC_VERSION,
        "treatment_classes": [
            [name, tc.model_dump(mode="json", exclude=shown_only)]
            for name, tc in settings.treatment_classes.items()
        ],
        "classifier": settings.classifier.model_dump(mode="json", exclude=shown_only),
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def classification(source: Source) -> Derivation:
    """``source``'s classification as a derivation writing its one table (plain data and module-level
    functions: it is sent to the processes normalising pages)."""
    how = source.classification
    return Derivation(
        name="classes",
        tables={how.table: how.schema},
        inputs=how.inputs,
        derive=partial(classify_run, how),
        config_digest=classes_config_digest,
        combine=partial(sorted_by_key, how, source.key),
    )


def classify_run(
    how: Classification, settings: Settings, inputs: Mapping[str, pa.Table]
) -> dict[str, pa.Table]:
    """The classification rows of a run's (or a page's) input tables."""
    return {how.table: how.rows(*(inputs[name] for name in how.inputs), classifier_of(settings))}


def sorted_by_key(
    how: Classification, key: str, pages: Sequence[Mapping[str, pa.Table]]
) -> dict[str, pa.Table]:
    """A run's rows from its pages' (``by_page`` classifications): the pages' rows one after another,
    stably sorted by ``key``, which keeps each record's rows in the order its page gave them."""
    if not pages:
        return {how.table: how.schema.empty_table()}
    rows = pa.concat_tables([page[how.table] for page in pages])
    return {how.table: rows.take(pc.sort_indices(rows, sort_keys=[(key, "ascending")]))}


# The classifier of a config, compiled once per process and config (pages come one at a time).
classifier_of = OncePerConfig(classes_config_digest, Classifier.from_settings)
