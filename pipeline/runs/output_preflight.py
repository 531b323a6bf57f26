"""Before a refresh or rebuild fetches or builds anything: can it write the HTML report and the forest
plots? Both are written last, after the new warehouse is in place, so a report folder under a file, or a
plots folder someone else's files fill, would otherwise surface only after the whole run. One line,
naming the setting to change."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.util.output_folders import (
    PLOTS_FOLDER,
    PLOTS_MARKER,
    REPORT_MARKER,
    holds_foreign_files,
    why_unwritable,
)


def check_output_folders(settings: Settings) -> None:
    """Raise ConfigError naming the setting whose folder the run could not write."""
    report_setting = (
        "report.dir" if settings.report.dir is not None else "storage.data_dir (report.dir unset)"
    )
    folders = [
        (report_setting, "the HTML report", settings.report_dir, REPORT_MARKER),
        ("storage.data_dir", "the forest plots", settings.storage.data_dir / PLOTS_FOLDER, PLOTS_MARKER),
    ]
    for setting, what, folder, marker in folders:
        reason = why_unwritable(folder)
        if reason is None and holds_foreign_files(folder, marker):
            reason = "it holds files this pipeline did not write, and a run replaces it whole"
        if reason is not None:
            raise ConfigError(f"{setting}: cannot write {what} to {folder}: {reason}; choose another folder")
