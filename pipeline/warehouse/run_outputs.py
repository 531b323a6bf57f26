"""Every run the build reads has the classifier's and the derivations' output, derived with this config.

A run without classifier output would silently drop the classes of every record it updates, one without
outcome partitions every endpoint and effect of its trials; a derived partition stamped with another
config (an edited endpoint taxonomy) would mix two taxonomies in one warehouse. The build stops on each,
naming the runs and the step that fixes them (a refresh recovers such runs before it builds).
"""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.parquet.stamp import read_stamp
from pipeline.sources import registry
from pipeline.sources.spec import Derivation
from pipeline.warehouse.relations import PARTITION_PREFIX, SourceTable


def derivation_digests(settings: Settings) -> dict[str, str]:
    """``<source>.<derivation>`` -> the config digest its partitions must carry (the build fingerprint
    holds them: a changed taxonomy means a full build)."""
    return {
        f"{source.name}.{how.name}": how.config_digest(settings)
        for source in registry.SOURCES.values()
        for how in source.derivations
    }


def require_run_outputs(settings: Settings, tables: list[SourceTable]) -> None:
    """Every run holding records also holds classifier and derived partitions, of today's config."""
    by_name = {(t.source, t.table): t for t in tables}
    for source in registry.SOURCES.values():
        records = by_name.get((source.name, source.record_table))
        if records is None:
            continue
        outputs = {source.classification.table: "classify them (steps.classify)"}
        for how in source.derivations:
            outputs.update(dict.fromkeys(how.tables, "derive them (steps.derive)"))
        for table, fix in outputs.items():
            derived = by_name.get((source.name, table))
            missing = sorted(set(records.run_ids) - set(derived.run_ids if derived else ()))
            if missing:
                raise WarehouseError(
                    f"{source.name} run(s) {', '.join(missing)} have {source.record_table} but no {table} "
                    f"partition: {fix} before building the warehouse"
                )
        for how in source.derivations:
            _require_stamps(source.name, how, how.config_digest(settings), by_name)


def _require_stamps(
    source: str, how: Derivation, digest: str, by_name: dict[tuple[str, str], SourceTable]
) -> None:
    for table in how.tables:
        registered = by_name.get((source, table))
        if registered is None:
            continue
        other = sorted(
            {
                run_id
                for path, run_id in zip(registered.files, _run_ids(registered), strict=True)
                if read_stamp(path) != digest
            }
        )
        if other:
            raise WarehouseError(
                f"{source} run(s) {', '.join(other)} have {table} derived with another {how.name} config "
                "than this one (the endpoint taxonomy changed?): derive them again (evidence refresh does "
                "so for every such run; evidence rebuild derives every run again)"
            )


def _run_ids(table: SourceTable) -> list[str]:
    """The run of each registered file (its partition folder is run_id=<id>)."""
    return [path.parent.name.removeprefix(PARTITION_PREFIX) for path in table.files]
