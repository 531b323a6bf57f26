"""Relations the build computes in Python over the whole warehouse, between the SQL derived before the
splice and the SQL derived after it: what SQL does badly (the class pools need statsmodels' random-
effects model).

A step reads only marts derived before the splice, which are whole in both build modes once the splice
is done, and registers ``src_*`` relations of fixed schemas that staging views (``incremental: rebuild``)
read like any other source relation. It runs in every build, incremental included, so its output is
always derived from the whole warehouse, as a full build would derive it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.outcomes import warehouse_step
from pipeline.warehouse.sql_layers import WarehouseSql, identifiers


@dataclass(frozen=True)
class BuildStep:
    name: str
    reads: tuple[str, ...]  # marts it reads (each derived before the splice)
    relations: Mapping[str, pa.Schema]  # what it registers, by relation name
    run: Callable[[duckdb.DuckDBPyConnection, Settings], Mapping[str, pa.Table]]


BUILD_STEPS: tuple[BuildStep, ...] = (
    BuildStep(
        name="pool class effects",
        reads=warehouse_step.POOLING_READS,
        relations=warehouse_step.POOLED_RELATIONS,
        run=warehouse_step.pool_in_warehouse,
    ),
)


def check_build_steps(sql: WarehouseSql, steps: tuple[BuildStep, ...] | None = None) -> None:
    """Before any SQL runs: every mart a step reads is derived before the splice, and every file reading
    a step's relation is derived after it (when the step has run). ``steps``: BUILD_STEPS by default."""
    steps = BUILD_STEPS if steps is None else steps
    before = {m.relation for m in sql.before_splice if not m.temporary}
    for step in steps:
        wrong = [name for name in step.reads if name not in before]
        if wrong:
            raise WarehouseError(
                f"build step '{step.name}' reads {', '.join(wrong)}, which is not a mart derived before the "
                "splice (only those are whole when build steps run)"
            )
    made = {name for step in steps for name in step.relations}
    for model in sql.before_splice:
        early = sorted(identifiers(model.file.text) & made)
        if early:
            raise WarehouseError(
                f"SQL {model.file.name} reads {', '.join(early)}, which a build step registers after the "
                "splice: derive it after the splice too (incremental: rebuild)"
            )


def run_build_steps(
    con: duckdb.DuckDBPyConnection, settings: Settings, steps: tuple[BuildStep, ...] | None = None
) -> None:
    """Run each step (BUILD_STEPS by default, read when called) on the warehouse ``con`` holds and
    register what it returns, schemas checked."""
    steps = BUILD_STEPS if steps is None else steps
    for step in steps:
        tables = step.run(con, settings)
        for name, schema in step.relations.items():
            table = tables.get(name)
            if table is None or not table.schema.equals(schema):
                raise WarehouseError(f"build step '{step.name}' did not return {name} with its schema")
            con.register(name, table)
