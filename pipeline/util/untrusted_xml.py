"""lxml parsing set up for bodies from outside: no DTD loading, no entity expansion, no network.

A DOCTYPE names a URL on NCBI's servers; it must never be fetched, and entities must never expand.
``huge_tree`` lifts lxml's depth/size guard, which a large but legitimate EFetch batch can trip.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from lxml import etree

_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": True}


def parser() -> etree.XMLParser:
    return etree.XMLParser(**_OPTIONS)


def iterparse_ends(body: bytes, tags: Iterable[str]) -> etree.iterparse:
    """Stream the ``end`` events of the given tags."""
    return etree.iterparse(io.BytesIO(body), events=("end",), tag=tuple(tags), **_OPTIONS)
