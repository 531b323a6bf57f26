"""The base of every config section: unknown keys fail, values are frozen once loaded."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

# Class and endpoint codes: they become SQL values and file names.
CLASS_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def has_word(term: str) -> str:
    """A configured term or cue must hold a letter or digit: punctuation alone would match anywhere."""
    if not re.search(r"[^\W_]", term):
        raise ValueError(f"term {term!r} has no letters or digits")
    return term
