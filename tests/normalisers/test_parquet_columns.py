"""TableColumns: rows appended by column name fail loudly on a wrong or forgotten name."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.columns import PROVENANCE_COLUMNS, ColumnError, TableColumns
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.schemas import PROVENANCE

SCHEMA = pa.schema([pa.field("pmid", pa.string(), nullable=False), pa.field("year", pa.int32()), *PROVENANCE])
PROV = Provenance("20260101T000000Z-abcd", datetime(2026, 1, 2, tzinfo=UTC), None)


def test_one_list_per_schema_column_but_provenance() -> None:
    columns = TableColumns("things", SCHEMA).columns
    assert list(columns) == ["pmid", "year"]
    assert tuple(f.name for f in PROVENANCE) == PROVENANCE_COLUMNS


def test_rows_become_the_exact_schema_with_provenance() -> None:
    rows = TableColumns("things", SCHEMA)
    for pmid, year in (("1", 2020), ("2", None)):
        rows.columns["year"].append(year)  # the order of appends within a row does not matter
        rows.columns["pmid"].append(pmid)
    table = rows.to_table(PROV, "body-1")
    assert table.schema.equals(SCHEMA)
    assert table.to_pylist() == [
        {
            "pmid": "1",
            "year": 2020,
            "run_id": PROV.run_id,
            "fetched_at": PROV.fetched_at,
            "data_timestamp": None,
        },
        {
            "pmid": "2",
            "year": None,
            "run_id": PROV.run_id,
            "fetched_at": PROV.fetched_at,
            "data_timestamp": None,
        },
    ]


def test_an_unknown_column_name_fails_at_its_first_use() -> None:
    columns = TableColumns("things", SCHEMA).columns
    with pytest.raises(KeyError, match="yaer"):
        columns["yaer"].append(2020)


def test_a_forgotten_column_fails_when_the_table_is_built() -> None:
    rows = TableColumns("things", SCHEMA)
    rows.columns["pmid"].append("1")
    with pytest.raises(ColumnError, match="'things': rows without a value for year"):
        rows.to_table(PROV, "body-1")


def test_a_value_of_the_wrong_type_names_the_source_and_column() -> None:
    rows = TableColumns("things", SCHEMA)
    rows.columns["pmid"].append("1")
    rows.columns["year"].append("twenty")
    with pytest.raises(NormaliseError, match=r"body-1: things\.year holds a value of the wrong type"):
        rows.to_table(PROV, "body-1")


def test_no_rows_give_an_empty_table() -> None:
    table = TableColumns("things", SCHEMA).to_table(PROV, "body-1")
    assert (table.num_rows, table.schema.equals(SCHEMA)) == (0, True)
