"""The run log: one small JSON record per refresh under ``<data_dir>/runs/<run_id>.json``.

Written atomically when a run starts (status ``running``) and again when it ends (``succeeded`` or
``failed``), so the log survives a crash at any point: a record still ``running`` while no refresh
holds the lock belongs to a process that died, and the next run marks it ``failed``. Watermarks for
incremental pulls come only from ``succeeded`` records; the warehouse's ``runs`` table and
``evidence status`` read the same files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from pipeline.errors import PipelineError
from pipeline.raw.zone import utc_now_iso
from pipeline.util.durable import write_atomically

RUNS_DIR = "runs"
Status = Literal["running", "succeeded", "failed"]
INTERRUPTED = "interrupted: the process ended before the run finished (crash, kill or power loss)"


class RunLogError(PipelineError):
    """A run record cannot be written or read."""


@dataclass(frozen=True)
class RunRecord:
    """What the log knows about one run; ``sources`` maps a source name to its plan and counts."""

    run_id: str
    status: Status
    mode: str
    started_at: str
    finished_at: str | None
    sources: dict[str, dict[str, Any]]
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "mode": self.mode,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "sources": self.sources,
            "error": self.error,
        }


class RunLog:
    """Append-only in spirit: a run's record is only ever replaced by a later state of the same run."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / RUNS_DIR

    def path(self, run_id: str) -> Path:
        return self.root / f"{run_id}.json"

    def start(self, run_id: str, mode: str, sources: Mapping[str, dict[str, Any]]) -> RunRecord:
        record = RunRecord(run_id, "running", mode, utc_now_iso(), None, dict(sources))
        self._write(record)
        return record

    def update_source(self, run_id: str, source: str, **fields: Any) -> RunRecord:
        """Merge counts or a watermark into one source's entry (e.g. after its fetch completed)."""
        record = self.get(run_id)
        sources = {**record.sources, source: {**record.sources.get(source, {}), **fields}}
        updated = RunRecord(**{**record.as_json(), "sources": sources})
        self._write(updated)
        return updated

    def finish(self, run_id: str, status: Status, error: str | None = None) -> RunRecord:
        record = self.get(run_id)
        finished = RunRecord(
            **{**record.as_json(), "status": status, "finished_at": utc_now_iso(), "error": error}
        )
        self._write(finished)
        return finished

    def mark_interrupted(self, keep: str | None = None) -> list[str]:
        """Fail every ``running`` record except ``keep``; call only while holding the refresh lock."""
        marked = []
        for record in self.records():
            if record.status == "running" and record.run_id != keep:
                self._write(
                    RunRecord(
                        **{
                            **record.as_json(),
                            "status": "failed",
                            "finished_at": utc_now_iso(),
                            "error": INTERRUPTED,
                        }
                    )
                )
                marked.append(record.run_id)
        return marked

    def get(self, run_id: str) -> RunRecord:
        path = self.path(run_id)
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            raise RunLogError(f"no run record {path}") from None
        except orjson.JSONDecodeError:
            raise RunLogError(f"run record {path} is corrupt") from None
        return RunRecord(**data)

    def records(self) -> list[RunRecord]:
        """Every readable record, oldest first (run ids sort by start time)."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("*.json")):
            try:
                found.append(RunRecord(**orjson.loads(path.read_bytes())))
            except (orjson.JSONDecodeError, TypeError):
                continue  # a record cut by a crash mid-write is never renamed into place; skip strays
        return found

    def last_succeeded(self, source: str, mode: str | None = None) -> RunRecord | None:
        """The newest succeeded run that fetched ``source`` (in ``mode``, if given)."""
        for record in reversed(self.records()):
            entry = record.sources.get(source)
            if record.status == "succeeded" and entry and (mode is None or entry.get("mode") == mode):
                return record
        return None

    def _write(self, record: RunRecord) -> None:
        path = self.path(record.run_id)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomically(path, orjson.dumps(record.as_json(), option=orjson.OPT_INDENT_2))
        except OSError as exc:
            raise RunLogError(f"cannot write run record {path}: {exc.strerror}") from None
