"""Errors the CLI turns into one-line messages (no traceback): the user can act on each of them."""


class PipelineError(Exception):
    """Base for every expected failure; its message is shown to the user as is."""


class ConfigError(PipelineError):
    """The config file is missing, unreadable or invalid."""


class FetchError(PipelineError):
    """An API kept failing after retries, sent something malformed, or the counts did not reconcile."""


class RawZoneError(PipelineError):
    """The raw zone is missing, incomplete or unwritable."""


class NormaliseError(PipelineError):
    """A raw page could not be turned into rows."""


class WarehouseError(PipelineError):
    """The warehouse could not be built or a data check failed; the previous one is kept."""


class ExportError(PipelineError):
    """The CSV could not be written; the previous one is kept."""


class ClassifyError(PipelineError):
    """Interventions or arms handed to the classifier do not have the expected columns or value types."""


class ReportError(PipelineError):
    """The HTML report could not be built or written; the previous one is kept."""


class OutcomeError(PipelineError):
    """Outcome tables could not be derived, or a forest plot asked for does not exist."""
