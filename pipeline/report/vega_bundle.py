"""The Vega bundle (Vega, Vega-Lite and Vega-Embed in one ~0.9 MB script) the page loads, kept in a
per-user cache.

vl-convert takes over a second to build the bundle, and builds the same bytes for the same vl-convert and
Vega-Lite versions, which the file name carries. So a report written to a new folder (a first report, a
test, ``--out`` elsewhere) takes the bundle from ``$XDG_CACHE_HOME/migraine-evidence/`` (else
``~/.cache/migraine-evidence/``), and vl-convert builds it only once per user and version. The cache is
only a shortcut: when it cannot be read or written the bundle is built as before, and deleting the folder
is always safe.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

CACHE_FOLDER = "migraine-evidence"


def cache_dir() -> Path:
    """The XDG base-directory rule: ``$XDG_CACHE_HOME`` when it is an absolute path, else ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / CACHE_FOLDER


def bundle_bytes(name: str, vl_version: str) -> bytes:
    """The bundle ``name`` (named for its versions) from the cache, else built by vl-convert and cached."""
    cached = cache_dir() / name
    try:
        data = cached.read_bytes()
        if data:
            return data
    except OSError:
        pass  # not cached yet, or the cache is unreadable
    import vl_convert

    data = vl_convert.javascript_bundle(vl_version=vl_version).encode("utf-8")
    _store(cached, data)
    return data


def _store(path: Path, data: bytes) -> None:
    """Write whole or not at all (a temporary file renamed over it), so a report running beside this one
    never reads half a bundle; a cache that cannot be written is left as it is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except OSError:
        with suppress(OSError):
            os.unlink(tmp)
