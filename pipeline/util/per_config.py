"""One compiled object (a classifier, an endpoint taxonomy) per process and config.

A process normalising pages classifies and derives each page apart (pipeline/sources/derive_pages.py):
compiling the config's terms for every page would cost more than the page. The object is kept for the
config digest it was compiled from; an edited config replaces it (a process never needs the old one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from pipeline.config import Settings

T = TypeVar("T")


class OncePerConfig(Generic[T]):
    """``build(settings)``, compiled again only when ``digest(settings)`` changes."""

    def __init__(self, digest: Callable[[Settings], str], build: Callable[[Settings], T]) -> None:
        self._digest = digest
        self._build = build
        self._kept: tuple[str, T] | None = None

    def __call__(self, settings: Settings) -> T:
        digest = self._digest(settings)
        if self._kept is None or self._kept[0] != digest:
            self._kept = (digest, self._build(settings))
        return self._kept[1]
