"""Typed configuration loaded from config.yaml (the endpoint taxonomy lives in ``endpoints.py``).

One pydantic model tree: an unknown key, a wrong type or a bad value fails at start-up with a message
naming the dotted key, before any request is sent or any file is touched.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, HttpUrl, ValidationError, field_validator, model_validator

from pipeline.config.endpoints import (
    ENDPOINT_MEASURES,
    OTHER_ENDPOINT,
    Endpoint,
    EndpointRule,
    EndpointSettings,
)
from pipeline.config.strict import CLASS_NAME, Strict, has_word
from pipeline.errors import ConfigError

DEFAULT_CONFIG = Path("config.yaml")
# The default config, shipped as package data so an installed pipeline runs without a checkout; the
# checkout's ./config.yaml is a link to it (one file to edit, never two to keep in sync).
PACKAGED_CONFIG = Path(__file__).resolve().with_name("config.yaml")
CONFIG_ENV_VAR = "EVIDENCE_CONFIG"
INTERVENTION_TYPES = Literal[
    "DRUG",
    "DEVICE",
    "BIOLOGICAL",
    "PROCEDURE",
    "RADIATION",
    "BEHAVIORAL",
    "GENETIC",
    "DIETARY_SUPPLEMENT",
    "COMBINATION_PRODUCT",
    "DIAGNOSTIC_TEST",
    "OTHER",
]


class HttpSettings(Strict):
    """Politeness and fault tolerance for one API."""

    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    requests_per_second: Annotated[float, Field(gt=0)] = 1.0
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    backoff_initial_seconds: Annotated[float, Field(ge=0)] = 1.0
    backoff_max_seconds: Annotated[float, Field(ge=0)] = 120.0
    # A host that cannot be reached on the first request (no DNS, refused, TLS, proxy) stops the
    # source at once instead of being retried; the CLI sets it for the runs it starts (see
    # pipeline/http/reachability.py); scheduled runs keep retrying.
    fail_fast: bool = False


class StorageSettings(Strict):
    data_dir: Path = Path("data")


class WarehouseSettings(Strict):
    path: Path = Path("data/warehouse/evidence.duckdb")


class ExportSettings(Strict):
    csv_path: Path = Path("data/exports/evidence_trials.csv")


# Where the results sections the warehouse holds come from, as the report states it: "registry" (posted
# on ClinicalTrials.gov) or "publications" (transcribed by hand from the trials' publications, as
# `evidence demo` serves them; the demo's config says so).
RESULTS_FROM = Literal["registry", "publications"]


class ReportSettings(Strict):
    """Where the static HTML report goes (null means ``<storage.data_dir>/report``), and where the results
    it shows come from, so the page never calls transcribed numbers registry-posted."""

    dir: Path | None = None
    results_from: RESULTS_FROM = "registry"


class CtgovSettings(Strict):
    base_url: HttpUrl = HttpUrl("https://clinicaltrials.gov/api/v2")
    page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    condition: Annotated[str, Field(min_length=1)] = "migraine"
    http: HttpSettings = HttpSettings()


class PubmedSettings(Strict):
    base_url: HttpUrl = HttpUrl("https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
    email: str | None = None
    tool: Annotated[str, Field(min_length=1)] = "migraine-evidence-pipeline"
    query: str | None = None
    batch_size: Annotated[int, Field(ge=1, le=10000)] = 500
    http: HttpSettings = HttpSettings(requests_per_second=3.0)


class SourcesSettings(Strict):
    ctgov: CtgovSettings = CtgovSettings()
    pubmed: PubmedSettings = PubmedSettings()


# How directly a trial's record names its class, strongest first: its interventions or arms, the MeSH
# terms the registry derived for them, its titles, its brief summary (pipeline/classify/later_tiers.py).
MATCH_STRENGTHS = ("intervention", "mesh", "title", "summary")
MatchStrength = Literal["intervention", "mesh", "title", "summary"]
# A MeSH unique id: a descriptor (D) or supplementary concept (C), 6 digits or the registry's 9.
MESH_ID = re.compile(r"^[CD](\d{6}|\d{9})$")


class TreatmentClass(Strict):
    """One treatment class: what text marks a trial as belonging to it."""

    label: Annotated[str, Field(min_length=1)]
    terms: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
    intervention_types: list[INTERVENTION_TYPES] | None = None
    parent: str | None = None
    # MeSH descriptors (exact names, any case) and unique ids that mark the class when the registry
    # derives them for a trial's interventions, as a descriptor or one of its ancestors.
    mesh_terms: list[Annotated[str, Field(min_length=2)]] = Field(default_factory=list)
    mesh_ids: list[Annotated[str, Field(pattern=MESH_ID.pattern)]] = Field(default_factory=list)
    # Weakest match that counts for this class in the evidence tables; null: classifier.min_match_strength.
    min_match_strength: MatchStrength | None = None


CUE_FIELDS = ("comparator_cues", "background_cues", "trailing_background_cues", "provocation_cues",
              "provocation_agents", "generic_intervention_words")  # fmt: skip


def _cue_list(*words: str) -> list[str]:
    return Field(default_factory=lambda: list(words))


class ClassifierSettings(Strict):
    """Control words, the cues that make a named therapy a comparator, background or provoking agent
    rather than the trial's subject, and the weakest match the evidence tables count."""

    control_terms: list[str] = _cue_list("placebo", "sham", "vehicle", "dummy", "matching placebo")
    min_match_strength: MatchStrength = "summary"
    comparator_cues: list[str] = _cue_list("versus", "vs", "compared with", "compared to", "than")
    background_cues: list[str] = _cue_list("failed", "prior", "previous", "rescue", "overuse of")
    trailing_background_cues: list[str] = _cue_list("resistant", "refractory", "non-responders", "naive")
    provocation_cues: list[str] = _cue_list("provocation", "provoke", "induce", "induced", "infusion")
    provocation_agents: list[str] = _cue_list("CGRP", "PACAP", "nitroglycerin")
    generic_intervention_words: list[str] = _cue_list("drug", "device", "active", "treatment", "study")

    @field_validator(*CUE_FIELDS)
    @classmethod
    def _cue_words(cls, value: list[str]) -> list[str]:
        return [has_word(word) for word in value]


class OrchestrationSettings(Strict):
    """Whole-step retries by Prefect, on top of the HTTP layer's per-request retries."""

    fetch_retries: Annotated[int, Field(ge=0, le=10)] = 2
    fetch_retry_delay_seconds: Annotated[float, Field(ge=0)] = 60.0


class ResourcesSettings(Strict):
    """How much of the machine a refresh or rebuild may use."""

    # Processes normalising raw pages at once, the command's own included; null: one per CPU core it may
    # use; 1: no other process. Each more costs about 250 MB while normalising (a page is parsed whole).
    # A run too small to be worth another process uses this one alone (parallel.workers_for).
    normalise_workers: Annotated[int, Field(ge=1, le=64)] | None = None
    # Memory DuckDB may use to build the warehouse; beyond it, it spills to disk beside the warehouse
    # (a file that cannot spill is run again with twice as much, up to DuckDB's default of 80% of RAM).
    warehouse_memory_mb: Annotated[int, Field(ge=16)] = 128
    # DuckDB threads building the warehouse; null: one per CPU core (DuckDB's default). One is the
    # fastest measured on 2 cores: its tables are written one after another, and a second thread only
    # added synchronisation (docs/BENCHMARKS.md).
    warehouse_threads: Annotated[int, Field(ge=1, le=256)] | None = 1

    @property
    def normalise_processes(self) -> int:
        from pipeline.parquet.parallel import default_workers

        return self.normalise_workers or default_workers()


class IncrementalSettings(Strict):
    """How a nightly refresh pulls only what changed, and how it keeps that honest (drift control)."""

    # Days the next pull reaches back before the last watermark: the APIs filter on whole days.
    overlap_days: Annotated[int, Field(ge=1, le=30)] = 1
    # A refresh is full when the last full pull of a source is this old; null: only --full (or the
    # first run) pulls everything. Only full pulls detect trials the registry no longer returns.
    full_every_days: Annotated[int, Field(ge=1)] | None = 7
    # Every current trial and PubMed record is re-read at least this often: each night re-fetches, per
    # source, the oldest-read ceil(records / reread_within_days) of them, and at least drift_slice_min.
    reread_within_days: Annotated[int, Field(ge=1)] = 30
    drift_slice_min: Annotated[int, Field(ge=0)] = 20
    # ClinicalTrials.gov only (filter.ids in a GET URL); PubMed re-reads in EFetch batches of batch_size.
    drift_ids_per_request: Annotated[int, Field(ge=1, le=500)] = 300


class ScheduleSettings(Strict):
    """When the nightly refresh runs (``evidence serve``)."""

    cron: str = "0 3 * * *"
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron_fields(cls, value: str) -> str:
        from cronsim import CronSim, CronSimError

        try:
            CronSim(value, datetime.now(UTC))
        except CronSimError as exc:
            raise ValueError(f"not a valid 5-field cron expression ({exc}), e.g. '0 3 * * *'") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Settings(Strict):
    storage: StorageSettings = StorageSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    export: ExportSettings = ExportSettings()
    report: ReportSettings = ReportSettings()
    user_agent: str = "migraine-evidence-pipeline/0.1 (open evidence review; python-requests)"
    sources: SourcesSettings = SourcesSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    orchestration: OrchestrationSettings = OrchestrationSettings()
    resources: ResourcesSettings = ResourcesSettings()
    incremental: IncrementalSettings = IncrementalSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    treatment_classes: Annotated[dict[str, TreatmentClass], Field(min_length=1)]
    # null: no endpoint taxonomy, so no outcome tables (pipeline/outcomes).
    endpoints: EndpointSettings | None = None

    @field_validator("treatment_classes")
    @classmethod
    def _class_names(cls, value: dict[str, TreatmentClass]) -> dict[str, TreatmentClass]:
        for name in value:
            if not CLASS_NAME.match(name):
                raise ValueError(f"class name {name!r} must be lower_snake_case")
        return value

    @model_validator(mode="after")
    def _parents_exist(self) -> Settings:
        for name, tc in self.treatment_classes.items():
            seen = {name}
            parent = tc.parent
            while parent is not None:
                if parent not in self.treatment_classes:
                    raise ValueError(f"treatment_classes.{name}.parent: unknown class {parent!r}")
                if parent in seen:
                    raise ValueError(f"treatment_classes.{name}.parent: cycle through {parent!r}")
                seen.add(parent)
                parent = self.treatment_classes[parent].parent
        return self

    @model_validator(mode="after")
    def _report_dir_holds_nothing_else(self) -> Settings:
        """The report folder is replaced whole on every build: it must not hold the data or the outputs."""
        report = self.report_dir
        for key, path in (
            ("storage.data_dir", self.storage.data_dir),
            ("warehouse.path", self.warehouse.path),
            ("export.csv_path", self.export.csv_path),
        ):
            if path == report or report in path.parents:
                raise ValueError(
                    f"report.dir: {report} would hold {key} ({path}); choose a folder of its own"
                )
        return self

    @property
    def report_dir(self) -> Path:
        return self.report.dir if self.report.dir is not None else self.storage.data_dir / "report"

    @property
    def raw_dir(self) -> Path:
        return self.storage.data_dir / "raw"

    @property
    def parquet_dir(self) -> Path:
        return self.storage.data_dir / "parquet"


def resolve_config_path(cli_path: str | Path | None) -> Path:
    """--config wins, then $EVIDENCE_CONFIG, then ./config.yaml, else the default shipped in the package
    (a config named explicitly must exist: only the implicit ./config.yaml falls back)."""
    if cli_path:
        return Path(cli_path)
    env = os.environ.get(CONFIG_ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else PACKAGED_CONFIG


def absolute_config_path(path: str | Path) -> Path:
    """``path`` made absolute without following links: a config's folders resolve against the folder it
    is named in, so a path handed on (to a flow, a deployment) must name the same file the same way."""
    return Path(os.path.abspath(path))


def is_packaged_config(path: str | Path) -> bool:
    """Whether ``path`` is the packaged default itself (not a link to it from another folder)."""
    return absolute_config_path(path).parent.resolve() == PACKAGED_CONFIG.parent


def config_folder(path: str | Path) -> Path:
    """Where the config's relative folders resolve: the folder of the file as named (a link's own
    folder, so the checkout's ./config.yaml keeps data/ in the checkout), and for the packaged default
    the working folder, never the installed package."""
    if is_packaged_config(path):
        return Path.cwd()
    return absolute_config_path(path).parent


def _format_error(path: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "<top level>"
        if err["type"] == "extra_forbidden":
            parts.append(f"{key}: unknown key")
        else:
            parts.append(f"{key}: {err['msg'].removeprefix('Value error, ')}")
    return f"{path}: invalid config: " + "; ".join(parts)


def load_config(cli_path: str | Path | None = None) -> Settings:
    """Read and validate the config; relative paths in it are resolved against its folder (see
    ``config_folder``)."""
    path = resolve_config_path(cli_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(path, exc)) from None
    return _anchor_paths(settings, config_folder(path))


def _anchor_paths(settings: Settings, base: Path) -> Settings:
    def anchor(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    return settings.model_copy(
        update={
            "storage": settings.storage.model_copy(update={"data_dir": anchor(settings.storage.data_dir)}),
            "warehouse": settings.warehouse.model_copy(update={"path": anchor(settings.warehouse.path)}),
            "export": settings.export.model_copy(update={"csv_path": anchor(settings.export.csv_path)}),
            "report": settings.report.model_copy(
                update={"dir": anchor(settings.report.dir) if settings.report.dir is not None else None}
            ),
        }
    )


__all__ = [
    "CLASS_NAME",
    "ENDPOINT_MEASURES",
    "OTHER_ENDPOINT",
    "Endpoint",
    "EndpointRule",
    "EndpointSettings",
    "Strict",
]
