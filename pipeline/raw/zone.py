"""The raw zone: every API response body kept exactly as received, with a manifest per run.

Replaying a run offline (``evidence rebuild``) reads only from here. A page is gzipped and fsynced
before its manifest line is appended, so a crash never leaves a manifest line pointing at a partial
file. A run counts as complete only once ``manifest.json`` exists; it is written atomically after the
fetch reconciled its counts. Pages are written with the standard library's gzip and read back with
ISA-L's decoder (``isal.igzip``): the same standard gzip, decompressed in about half the CPU time.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from isal import igzip, isal_zlib

from pipeline.errors import RawZoneError
from pipeline.http.client import HttpResult
from pipeline.util.durable import replacing, write_atomically

MANIFEST = "manifest.json"
PAGES_LOG = "pages.jsonl"
STARTED = "started.json"
TAKEN_OVER = "taken_over.json"


def new_run_id(now: datetime | None = None) -> str:
    """UTC start time plus a random suffix: sorts by time and never collides between two starts."""
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def iso_utc(moment: datetime) -> str:
    """The form of every time the raw zone writes down: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now_iso() -> str:
    return iso_utc(datetime.now(UTC))


@dataclass(frozen=True)
class Origin:
    """Where a stored body came from: the request as it may be written down, and when it was answered."""

    url: str
    params: dict[str, Any]
    http_status: int
    fetched_at: str  # see ``iso_utc``

    @classmethod
    def of(cls, response: HttpResult[Any]) -> Origin:
        return cls(response.url, response.params, response.status, iso_utc(response.fetched_at))


@dataclass(frozen=True)
class PageRecord:
    """What the manifest says about one stored response."""

    file: str
    url: str
    params: dict[str, Any]
    http_status: int
    fetched_at: str
    sha256: str
    n_records: int
    kind: str = "page"
    # The earlier run that fetched this response, when a resumed run took it over (fetched_at is
    # then that run's): absent from the JSON of responses the run fetched itself.
    adopted_from: str | None = None

    def as_json(self) -> dict[str, Any]:
        record = asdict(self)
        if record["adopted_from"] is None:
            del record["adopted_from"]
        return record


@dataclass
class RawRun:
    """One fetch of one source: a folder of response bodies plus their manifest."""

    source: str
    run_id: str
    path: Path
    _pages: list[PageRecord] = field(default_factory=list)

    # -- writing ------------------------------------------------------------------------------------

    def write_page(
        self, name: str, body: bytes, origin: Origin, *, n_records: int, kind: str = "page"
    ) -> PageRecord:
        """Store one response body gzipped, then log it; a retried page simply replaces its file."""
        file_name = f"{name}.gz"
        target = self.path / file_name
        try:
            write_atomically(target, gzip.compress(body, compresslevel=5, mtime=0))
            record = PageRecord(
                file=file_name,
                url=origin.url,
                params=origin.params,
                http_status=origin.http_status,
                fetched_at=origin.fetched_at,
                sha256=hashlib.sha256(body).hexdigest(),
                n_records=n_records,
                kind=kind,
            )
        except OSError as exc:
            raise RawZoneError(f"cannot write raw page {target}: {exc.strerror}") from None
        return self._log_page(record)

    def adopt_page(self, donor: RawRun, record: PageRecord) -> PageRecord:
        """Take over a response an earlier (crashed) run stored, verified by the caller.

        The file is hard-linked (copied where links are impossible), so both runs keep it whole;
        the record keeps its url, params and fetched_at, and says which run really fetched it.
        """
        source = donor.path / record.file
        target = self.path / record.file
        try:
            with replacing(target) as tmp:
                try:
                    os.link(source, tmp)
                except OSError:
                    shutil.copyfile(source, tmp)
        except OSError as exc:
            raise RawZoneError(f"cannot take over raw page {source}: {exc.strerror}") from None
        return self._log_page(replace(record, adopted_from=record.adopted_from or donor.run_id))

    def _log_page(self, record: PageRecord) -> PageRecord:
        try:
            with open(self.path / PAGES_LOG, "ab") as log:
                log.write(orjson.dumps(record.as_json()) + b"\n")
        except OSError as exc:
            raise RawZoneError(f"cannot write {self.path / PAGES_LOG}: {exc.strerror}") from None
        self._pages = [p for p in self._pages if p.file != record.file] + [record]
        return record

    def write_response(
        self, name: str, response: HttpResult[Any], *, n_records: int, kind: str
    ) -> PageRecord:
        """Store a client response (body, url, params, status, fetch time) under ``name``."""
        return self.write_page(name, response.body, Origin.of(response), n_records=n_records, kind=kind)

    def reset_pages(self) -> None:
        """Forget pages of an earlier attempt of this run (a retried fetch restarts from page one)."""
        for item in [*self.path.glob("*.gz"), self.path / PAGES_LOG, self.path / MANIFEST]:
            item.unlink(missing_ok=True)
        self._pages = []

    def drop_pages(self, files: Iterable[str]) -> None:
        """Forget some stored responses (stale pages a resume had taken over), keeping the others."""
        dropped = set(files)
        kept = [p for p in self.pages() if p.file not in dropped]
        _atomic_write(self.path / PAGES_LOG, b"".join(orjson.dumps(p.as_json()) + b"\n" for p in kept))
        for name in dropped:
            (self.path / name).unlink(missing_ok=True)
        self._pages = kept

    def write_started(self, started_at: str, plan: dict[str, Any], **extra: Any) -> None:
        """Before the first request: what this run asks for, so a crashed run can be resumed."""
        record = {"source": self.source, "run_id": self.run_id, "started_at": started_at, "plan": plan}
        record |= extra
        _atomic_write(self.path / STARTED, orjson.dumps(record, option=orjson.OPT_INDENT_2))

    def started(self) -> dict[str, Any] | None:
        """``started.json``, or None for a run from before it existed (or a torn one): never resumed."""
        try:
            record = orjson.loads((self.path / STARTED).read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None
        return record if isinstance(record, dict) and isinstance(record.get("plan"), dict) else None

    def mark_taken_over(self, by_run_id: str, n_responses: int) -> None:
        """A later run adopted this crashed run's complete responses: it is never resumed again."""
        record = {"by_run_id": by_run_id, "at": utc_now_iso(), "n_responses": n_responses}
        _atomic_write(self.path / TAKEN_OVER, orjson.dumps(record, option=orjson.OPT_INDENT_2))

    def taken_over_by(self) -> str | None:
        try:
            record = orjson.loads((self.path / TAKEN_OVER).read_bytes())
        except FileNotFoundError:
            return None
        except orjson.JSONDecodeError:
            return "?"  # a torn marker still means a later run took this one over
        return str(record.get("by_run_id")) if isinstance(record, dict) else "?"

    def finish(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Mark the run complete: the manifest lists every page in order plus the reconciled counts."""
        manifest = {
            "source": self.source,
            "run_id": self.run_id,
            **summary,
            "finished_at": utc_now_iso(),
            "complete": True,
            "pages": [p.as_json() for p in self.pages()],
        }
        _atomic_write(self.path / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        return manifest

    # -- reading ------------------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        return (self.path / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        try:
            return orjson.loads((self.path / MANIFEST).read_bytes())
        except FileNotFoundError:
            raise RawZoneError(f"raw run {self.path} is incomplete (no {MANIFEST})") from None
        except orjson.JSONDecodeError:
            raise RawZoneError(f"raw run manifest {self.path / MANIFEST} is corrupt") from None

    def complete_manifest(self) -> dict[str, Any]:
        """The manifest of a finished run; an unfinished run is never normalised."""
        if not self.complete:
            raise RawZoneError(f"raw run {self.path} is incomplete (no {MANIFEST}): not normalised")
        manifest = self.manifest()
        if manifest.get("complete") is not True:
            raise RawZoneError(f"raw run {self.path} is not marked complete in its manifest: not normalised")
        return manifest

    def pages(self) -> list[PageRecord]:
        """Pages in fetch order, read from the manifest when complete, else from the append log."""
        if self.complete:
            return [PageRecord(**p) for p in self.manifest()["pages"]]
        if self._pages:
            return list(self._pages)
        log = self.path / PAGES_LOG
        if not log.exists():
            return []
        records: dict[str, PageRecord] = {}
        for line in log.read_bytes().splitlines():
            try:
                rec = PageRecord(**orjson.loads(line))
            except (orjson.JSONDecodeError, TypeError):
                continue  # a torn last line after a crash: that page is re-fetched
            records.pop(rec.file, None)
            records[rec.file] = rec
        return list(records.values())

    def read_body(self, record: PageRecord) -> bytes:
        """The body as received, checked against the sha256 taken at fetch time."""
        path = self.path / record.file
        try:
            body = igzip.decompress(path.read_bytes())
        except FileNotFoundError:
            raise RawZoneError(f"raw page missing: {path}") from None
        except (OSError, EOFError, isal_zlib.error) as exc:  # isal_zlib.error: a damaged deflate stream
            raise RawZoneError(f"raw page unreadable: {path} ({exc})") from None
        if hashlib.sha256(body).hexdigest() != record.sha256:
            raise RawZoneError(f"raw page {path} does not match its recorded sha256")
        return body

    def body_size(self, record: PageRecord) -> int:
        """The body's size in bytes without reading it, for deciding how to share out the work: the
        gzip trailer's ISIZE (a page written here is one gzip member, far under 4 GiB; of a file with
        several, the last one's). 0 when the file cannot be read: ``read_body`` reports that."""
        try:
            with open(self.path / record.file, "rb") as page:
                page.seek(-4, os.SEEK_END)
                return int.from_bytes(page.read(4), "little")
        except OSError:
            return 0

    def fetched_at_of(self, record: PageRecord) -> datetime:
        """The page's fetch time as an aware UTC datetime, for row provenance."""
        try:
            parsed = datetime.fromisoformat(record.fetched_at)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise RawZoneError(
                f"raw run {self.path}: page fetched_at {record.fetched_at!r} is not an ISO UTC time"
            )
        return parsed.astimezone(UTC)

    def iter_bodies(self, kind: str | None = None) -> Iterator[tuple[PageRecord, bytes]]:
        for record in self.pages():
            if kind is None or record.kind == kind:
                yield record, self.read_body(record)


class RawZone:
    """The folder ``<data_dir>/raw``: one sub-folder per source, one per run inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def start_run(self, source: str, run_id: str) -> RawRun:
        path = self.root / source / run_id
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RawZoneError(f"cannot create raw zone folder {path}: {exc.strerror}") from None
        if not os.access(path, os.W_OK):
            raise RawZoneError(f"raw zone folder is not writable: {path}")
        return RawRun(source=source, run_id=run_id, path=path)

    def open_run(self, source: str, run_id: str) -> RawRun:
        path = self.root / source / run_id
        if not path.is_dir():
            raise RawZoneError(f"no raw run {run_id} for {source} under {self.root}")
        return RawRun(source=source, run_id=run_id, path=path)

    def runs(self, source: str) -> list[RawRun]:
        base = self.root / source
        if not base.is_dir():
            return []
        return [RawRun(source, p.name, p) for p in sorted(base.iterdir()) if p.is_dir()]

    def complete_runs(self, source: str) -> list[RawRun]:
        """Completed runs, oldest first: replaying them in order reproduces the newest-wins state."""
        return [run for run in self.runs(source) if run.complete]


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise RawZoneError(f"cannot write {path}: {exc.strerror}") from None
