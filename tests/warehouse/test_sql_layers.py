"""The warehouse SQL's layers: headers are read strictly, files run in dependency order and in the right
phase of an incremental build, and the packaged SQL keeps its own rules (one relation per file, its
comments beside its CREATE, only staging reads the registered src_ relations, all of it shipped)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import WarehouseError
from pipeline.sources.ctgov.normalise.phase import CANONICAL_PHASES
from pipeline.warehouse.sql_files import SqlFile, packaged_sql_files
from pipeline.warehouse.sql_header import Allowed, Incremental, parse_header
from pipeline.warehouse.sql_layers import check_relations, identifiers, load_warehouse_sql
from pipeline.warehouse.value_lists import VALUE_LISTS

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGED = packaged_sql_files()


def model(name: str, sql: str, rule: str = "patch by nct_id", key: str = "nct_id") -> SqlFile:
    return SqlFile(name, f"-- grain: test rows\n-- key: {key}\n-- incremental: {rule}\n\n{sql}\n")


# -- headers ----------------------------------------------------------------------------------------------


def test_a_header_is_read_with_its_notes_and_checks() -> None:
    header = parse_header(
        SqlFile(
            "marts/t.sql",
            "-- grain: trial x arm\n-- key: nct_id, arm_idx\n"
            "-- incremental: replace when ctgov has new runs (why)\n-- not null: label, arm_type\n"
            "-- allowed: phase in phases or null\n-- allowed: kind in (a, b)\n--\n-- prose: not a field\n\n"
            "-- key: not read, after the header\nSELECT 1;",
        )
    )
    assert header.grain == "trial x arm"
    assert header.key == ("nct_id", "arm_idx")
    assert header.incremental == Incremental("replace", source="ctgov")
    assert header.not_null == ("label", "arm_type")
    assert header.allowed == (Allowed("phase", "phases", (), True), Allowed("kind", None, ("a", "b"), False))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("-- grain: x\n-- key: a\nSELECT 1;", r"header lacks incremental: \(every model file"),
        ("SELECT 1;", r"header lacks grain:, key:, incremental:"),
        ("-- grain: x\n-- key: a\n-- incremental: patch nct_id", r"unknown incremental rule 'patch nct_id'"),
        ("-- grain: x\n-- key: a b\n-- incremental: keep", r"expected comma-separated column names"),
        ("-- grain: x\n-- key: a\n-- key: b\n-- incremental: keep", r"states 'key:' twice"),
        ("-- grain: x\n-- key: a\n-- incremental: keep\n-- allowed: a = b", r"expected 'allowed: <column>"),
    ],
)
def test_a_bad_header_is_a_one_line_error_naming_the_file(text: str, error: str) -> None:
    with pytest.raises(WarehouseError, match=rf"^SQL marts/t\.sql: .*{error}"):
        parse_header(SqlFile("marts/t.sql", text))


@pytest.mark.parametrize(
    ("sql_file", "error"),
    [
        (model("t.sql", "SELECT 1;"), r"SQL t\.sql is in no layer folder \(staging/, intermediate/"),
        (
            SqlFile("checks/c.sql", "SELECT 1;"),
            r"SQL checks/c\.sql: a check file starts with one '-- check: ",
        ),
        (model("staging/stg_t.sql", "SELECT 1;", "append"), r"'append' does not apply to staging/"),
        (model("marts/t.sql", "SELECT 1;", "before splice"), r"'before splice' does not apply to marts/"),
        (
            SqlFile("marts/t.sql", "-- grain: x\n-- key: a\n-- incremental: keep\n-- allowed: a in phasez"),
            r"unknown value list phasez \(pipeline/warehouse/value_lists\.py has phases",
        ),
    ],
)
def test_a_file_in_the_wrong_place_or_with_the_wrong_rule_is_refused(sql_file: SqlFile, error: str) -> None:
    with pytest.raises(WarehouseError, match=error):
        load_warehouse_sql([sql_file])


# -- order and phases -------------------------------------------------------------------------------------


def test_files_run_in_dependency_order_those_before_the_splice_first() -> None:
    files = [
        model("marts/a_evidence.sql", "CREATE TABLE a_evidence AS SELECT * FROM trials;", "rebuild"),
        model("marts/trials.sql", "CREATE TABLE trials AS SELECT * FROM int_current -- not z_table\n;"),
        model(
            "intermediate/int_current.sql",
            "CREATE TEMP VIEW int_current AS SELECT 'z_table' AS x;",
            "before splice",
        ),
        model("marts/z_table.sql", "CREATE TABLE z_table AS SELECT * FROM trials;"),
    ]
    sql = load_warehouse_sql(files)  # reading the comment or the string in trials would be a cycle
    assert [m.relation for m in sql.models] == ["int_current", "trials", "z_table", "a_evidence"]
    assert [m.relation for m in sql.per_record] == ["trials", "z_table"]
    assert [m.relation for m in sql.after_splice] == ["a_evidence"]
    assert sql.models[1].reads == {"int_current"}


def test_sql_derived_before_the_splice_cannot_read_what_is_derived_after_it() -> None:
    files = [
        model("marts/evidence.sql", "CREATE TABLE evidence AS SELECT 1 AS x;", "rebuild"),
        model("marts/trials.sql", "CREATE TABLE trials AS SELECT * FROM evidence;"),
    ]
    with pytest.raises(
        WarehouseError,
        match=r"marts/trials\.sql is derived before the splice but reads evidence, which is only derived af",
    ):
        load_warehouse_sql(files)


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        (
            model("marts/evidence.sql", "SELECT * FROM int_current;", "rebuild"),
            r"marts/evidence\.sql is derived after the splice but reads int_current, which in an incremental "
            r"build holds only the touched records",
        ),
        (
            model("intermediate/int_all_runs.sql", "SELECT * FROM int_current;", "complete"),
            r"int_all_runs\.sql is complete in both build modes but reads int_current, which is not",
        ),
    ],
)
def test_what_holds_only_the_touched_records_is_read_only_before_the_splice(
    reader: SqlFile, error: str
) -> None:
    current = model("intermediate/int_current.sql", "SELECT 1;", "before splice")
    with pytest.raises(WarehouseError, match=error):
        load_warehouse_sql([current, reader])
    appended = model("marts/runs_read.sql", "SELECT * FROM int_current;", "append")
    assert [m.relation for m in load_warehouse_sql([current, appended]).after_splice] == ["runs_read"]


def test_a_cycle_or_a_relation_made_twice_is_refused() -> None:
    cycle = [model("marts/a.sql", "SELECT * FROM b;"), model("marts/b.sql", "SELECT * FROM a;")]
    with pytest.raises(WarehouseError, match=r"read each other in a cycle: marts/a\.sql, marts/b\.sql"):
        load_warehouse_sql(cycle)
    twice = [model("marts/one/a.sql", "SELECT 1;"), model("marts/two/a.sql", "SELECT 1;")]
    with pytest.raises(WarehouseError, match=r"marts/two/a\.sql and marts/one/a\.sql both make a"):
        load_warehouse_sql(twice)


def test_identifiers_skip_comments_and_strings_and_survive_non_ascii_text() -> None:
    sql = 'SELECT \'≤ trials\' AS "Trials", x -- evidence\nFROM trial_arms /* runs */ JOIN "trials" USING (x)'
    assert identifiers(sql) == {"trials", "x", "trial_arms"}


def test_each_model_must_make_its_own_relation_and_nothing_else() -> None:
    sql = load_warehouse_sql(
        [
            model("staging/stg_t.sql", "SELECT 1;", "before splice"),
            model("marts/trials.sql", "SELECT 1;"),
        ]
    )
    con = duckdb.connect()
    with pytest.raises(WarehouseError, match=r"staging/stg_t\.sql did not make a temporary relation stg_t"):
        check_relations(con, list(sql.models))
    con.execute("CREATE TABLE stg_t AS SELECT 1 AS x")  # persistent: the wrong kind for staging
    with pytest.raises(WarehouseError, match=r"did not make a temporary relation stg_t"):
        check_relations(con, list(sql.models))
    con.execute("DROP TABLE stg_t")
    con.execute("CREATE TEMP VIEW stg_t AS SELECT 1 AS x")
    con.execute("CREATE TABLE trials AS SELECT 1 AS x")
    con.execute("CREATE TABLE trial_extras AS SELECT 1 AS x")
    with pytest.raises(WarehouseError, match=r"^table\(s\) trial_extras have no SQL file of their own"):
        check_relations(con, list(sql.models))
    con.execute("DROP TABLE trial_extras")
    check_relations(con, list(sql.models))
    con.close()


# -- the packaged SQL -------------------------------------------------------------------------------------

COMMENT_TARGET = re.compile(r"^COMMENT ON (?:TABLE|VIEW|COLUMN) (\w+)", re.M)


def test_every_mart_carries_its_comments_beside_its_create() -> None:
    """Each mart file comments its own relation (table and columns) and no other."""
    sql = load_warehouse_sql(PACKAGED)
    marts = [m for m in sql.models if not m.temporary]
    assert len(marts) >= 25
    for mart in marts:
        targets = COMMENT_TARGET.findall(mart.file.text)
        assert set(targets) == {mart.relation}, mart.file.name
        assert re.search(rf"^COMMENT ON (TABLE|VIEW) {mart.relation} IS", mart.file.text, re.M), (
            mart.file.name
        )
    elsewhere = [m.file.name for m in sql.models if m.temporary and COMMENT_TARGET.search(m.file.text)]
    assert elsewhere == []


def test_only_staging_reads_the_registered_src_relations() -> None:
    sql = load_warehouse_sql(PACKAGED)
    for sql_file in [m.file for m in sql.models] + list(sql.checks):
        reads_src = {i for i in identifiers(sql_file.text) if i.startswith("src_")}
        if sql_file.path.parts[0] == "staging":
            assert len(reads_src) == 1, sql_file.name
        else:
            assert reads_src == set(), sql_file.name


def test_the_documented_value_lists_are_the_normalisers() -> None:
    """The comments analysts read name the same phases and status groups the checks allow."""
    trials = next(f for f in PACKAGED if f.name == "marts/trials/trials.sql").text
    phase_comment = re.search(r"COMMENT ON COLUMN trials\.phase IS '(.*)';", trials)
    status_comment = re.search(r"COMMENT ON COLUMN trials\.status_group IS '(.*)';", trials)
    assert phase_comment and status_comment
    documented = re.findall(r"EARLY_PHASE1|PHASE\d/PHASE\d|PHASE\d|NA\b", phase_comment.group(1))
    assert sorted(documented) == sorted(CANONICAL_PHASES)
    assert all(group in status_comment.group(1) for group in VALUE_LISTS["status_groups"])


def test_package_data_ships_every_sql_file() -> None:
    """pyproject's package-data globs (setuptools matches them below the package folder) cover every file."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["warehouse"]
    root = REPO_ROOT / "warehouse"
    shipped = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)}
    assert shipped == {f.name for f in PACKAGED}
    assert {f.path.parts[0] for f in PACKAGED} == {"staging", "intermediate", "marts", "checks"}
