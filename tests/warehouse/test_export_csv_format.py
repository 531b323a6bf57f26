"""The CSV export's DuckDB COPY path writes the same bytes as csv.writer over ``format_cell``.

``export_evidence_trials`` formats cells in SQL and writes with COPY for speed; ``format_cell`` plus
Python's ``csv.writer`` (excel dialect) is the documented reference. These tests build a tiny
warehouse holding only ``evidence_trials`` (and ``treatment_classes`` for the class filter), fill it
with values that stress quoting, line endings, formula neutralisation, NULLs and Unicode, and compare
the two outputs byte for byte, first on hand-picked values and then on seeded random ones.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.config import Settings
from pipeline.warehouse.export_csv import EXPORT_COLUMNS, Kind, export_evidence_trials, format_cell

SQL_TYPES: dict[Kind, str] = {
    "text": "VARCHAR",
    "list": "VARCHAR[]",
    "date": "DATE",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
}
NAMES = [name for name, _ in EXPORT_COLUMNS]

# Text values that each stress one rule of csv.writer, DuckDB's COPY or formula neutralisation.
TEXTS: list[str | None] = [
    None,
    "",
    " ",
    "   ",
    " \t ",
    "plain",
    " leading and trailing ",
    "a,b",
    ",",
    'say "hi"',
    '"',
    '""',
    '"starts with a quote',
    "line1\nline2",
    "line1\rline2",
    "line1\r\nline2",
    "\n",
    "\r\n",
    "\r\nstarts with CRLF",
    "\nstarts with LF",
    "ends with LF\n",
    "#hash first",
    "#",
    "x#y",
    "=1+1",
    "=",
    '=HYPERLINK("http://x","a,b")',
    "+1",
    "-",
    "-1.5 days",
    "@SUM(A1)",
    "\t",
    "\tTab first",
    "\r",
    "\rCR first",
    "=\u0301 combining mark after =",
    "'already quoted",
    "a; b",
    "back\\slash",
    "NULL",
    "é",
    'Café au lait, très "bon"',
    "中文标题",
    "🙂 emoji 👍🏽 with skin tone",
    "👨‍👩‍👧 family ZWJ",
    "\u2028line separator\u0085next line\x0bvt\x0cff",
    "NUL\x00inside",
    "x" * 70_000,
    ('long, "quoted"\r\n' * 5_000),
]
LISTS: list[list[str | None] | None] = [
    None,
    [],
    [None],
    [None, None],
    [""],
    ["", ""],
    ["a"],
    ["a", None, "b"],
    [None, "a"],
    [None, "=x"],
    ["=x", "b"],
    ["-1.5", "b"],
    ["a", "=x"],
    ["a,b", 'c"d'],
    ["line\nbreak", "cr\rhere"],
    ["#x", "\ty"],
    ["é", "中文", "🙂"],
    ["12345678", "23456789"],
    [" ", " "],
]
DATES: list[date | None] = [None, date(2024, 2, 29), date(1, 1, 1), date(999, 12, 31), date(9999, 12, 31)]
INTS: list[int | None] = [None, 0, -1, -15, 667, 2**63 - 1, -(2**63)]
BOOLS: list[bool | None] = [True, False, None]
FLOATS: list[float | None] = [
    None,
    0.0,
    -0.0,
    -1.44,
    1.5135135135135136,
    0.1 + 0.2,
    1e-05,
    1.5e300,
    123456789.0,
]
SAMPLES: dict[Kind, list[Any]] = {
    "text": TEXTS,
    "list": LISTS,
    "date": DATES,
    "int": INTS,
    "float": FLOATS,
    "bool": BOOLS,
}
CLASSES = ["a_class", "b_class", "=formula_class", "é_class"]


def adversarial_rows() -> list[dict[str, Any]]:
    """Every sample of every kind appears in every column of that kind, in shifting combinations."""
    n_rows = max(len(v) for v in SAMPLES.values()) * 2
    rows = []
    for i in range(n_rows):
        row: dict[str, Any] = {}
        for col, (name, kind) in enumerate(EXPORT_COLUMNS):
            samples = SAMPLES[kind]
            row[name] = samples[(i + col) % len(samples)]
        row["treatment_class"] = CLASSES[i % len(CLASSES)]
        row["nct_id"] = TEXTS[i % len(TEXTS)] if i % 3 else f"NCT{i:08d}"
        rows.append(row)
    return _unique_keys(rows)


def random_text(rng: random.Random) -> str | None:
    """A short string over an alphabet of the characters that matter, or NULL."""
    if rng.random() < 0.1:
        return None
    alphabet = [
        *",\"\r\n#=+-@\t '; \\a1é",
        "中",
        "🙂",
        "\u0301",
        "\u2028",
        "\x0b",
        "\r\n",
    ]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))


def random_value(rng: random.Random, kind: Kind) -> Any:
    """A random value of one export kind, with edge cases over-represented."""
    if kind == "text":
        return random_text(rng)
    if kind == "list":
        if rng.random() < 0.15:
            return None
        return [random_text(rng) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.2:
        return None
    if kind == "date":
        return date(1, 1, 1) + timedelta(days=rng.randint(0, (date(9999, 12, 31) - date(1, 1, 1)).days))
    if kind == "int":
        return rng.choice([0, -1, rng.randint(-(2**63), 2**63 - 1), rng.randint(-1000, 1000)])
    if kind == "float":
        edge = [0.0, -0.0, 1.0, -1.44, 0.1 + 0.2, 1e-05, 1.5e300, -2.5e-300, 123456789.0]
        return rng.choice([*edge, rng.uniform(-10, 10), rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20)])
    return rng.random() < 0.5


def random_rows(seed: int, n_rows: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = [{name: random_value(rng, kind) for name, kind in EXPORT_COLUMNS} for _ in range(n_rows)]
    for row in rows:
        row["treatment_class"] = rng.choice(CLASSES)
    return _unique_keys(rows)


def _unique_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rows repeating a (treatment_class, nct_id) pair, so ORDER BY fixes the row order."""
    seen: set[tuple[Any, Any]] = set()
    unique = []
    for row in rows:
        key = (row["treatment_class"], row["nct_id"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def make_warehouse(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A DuckDB file with evidence_trials typed as the real one, plus treatment_classes."""
    columns = ", ".join(f'"{name}" {SQL_TYPES[kind]}' for name, kind in EXPORT_COLUMNS)
    placeholders = ", ".join("?" for _ in EXPORT_COLUMNS)
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE evidence_trials ({columns})")
        if rows:
            con.executemany(
                f"INSERT INTO evidence_trials VALUES ({placeholders})",
                [[row[name] for name in NAMES] for row in rows],
            )
        con.execute("CREATE TABLE treatment_classes (treatment_class VARCHAR)")
        con.executemany("INSERT INTO treatment_classes VALUES (?)", [[c] for c in CLASSES])
    return path


def reference_csv(path: Path, treatment_class: str | None = None) -> bytes:
    """The documented format: csv.writer (excel dialect) over format_cell of the rows read by Python."""
    where = "WHERE treatment_class = ?" if treatment_class is not None else ""
    params = [treatment_class] if treatment_class is not None else []
    with duckdb.connect(str(path), read_only=True) as con:
        fetched = con.execute(
            f"SELECT {', '.join(NAMES)} FROM evidence_trials {where} ORDER BY treatment_class, nct_id",
            params,
        ).fetchall()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(NAMES)
    for row in fetched:
        writer.writerow(
            [format_cell(value, kind) for value, (_, kind) in zip(row, EXPORT_COLUMNS, strict=True)]
        )
    return buffer.getvalue().encode("utf-8")


def assert_same_bytes(actual: bytes, expected: bytes) -> None:
    """Compare line by line first, so a failure names the first differing record instead of 1 MB."""
    if actual == expected:
        return
    for n, (a, e) in enumerate(zip(actual.split(b"\r\n"), expected.split(b"\r\n"), strict=False)):
        assert a[:300] == e[:300] and a == e, f"first difference in CRLF-separated chunk {n}"
    assert actual == expected, f"lengths differ: {len(actual)} != {len(expected)}"


def export_bytes(path: Path, tmp_path: Path, treatment_class: str | None = None) -> bytes:
    out = tmp_path / "out.csv"
    export_evidence_trials(path, out, treatment_class)
    return out.read_bytes()


def column_types(path: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'evidence_trials' ORDER BY ordinal_position"
        ).fetchall()


def test_real_warehouse_export_matches_reference(built: Settings, tmp_path: Path) -> None:
    """On the built warehouse the bytes match, and the hand-made table below has its columns and types."""
    assert_same_bytes(export_bytes(built.warehouse.path, tmp_path), reference_csv(built.warehouse.path))
    assert column_types(make_warehouse(tmp_path / "fake.duckdb", [])) == column_types(built.warehouse.path)


def test_adversarial_values_match_reference(tmp_path: Path) -> None:
    rows = adversarial_rows()
    path = make_warehouse(tmp_path / "w.duckdb", rows)
    actual = export_bytes(path, tmp_path)
    assert_same_bytes(actual, reference_csv(path))
    # The comparison is not vacuous: every row came out and the file round-trips through csv.reader.
    parsed = list(csv.reader(io.StringIO(actual.decode("utf-8"), newline="")))
    assert parsed[0] == NAMES
    assert len(parsed) == len(rows) + 1


@pytest.mark.parametrize("treatment_class", CLASSES)
def test_one_class_matches_reference(tmp_path: Path, treatment_class: str) -> None:
    path = make_warehouse(tmp_path / "w.duckdb", adversarial_rows())
    assert_same_bytes(export_bytes(path, tmp_path, treatment_class), reference_csv(path, treatment_class))


def test_empty_table_is_the_header_only(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "w.duckdb", [])
    actual = export_bytes(path, tmp_path)
    assert actual == (",".join(NAMES) + "\r\n").encode()
    assert_same_bytes(actual, reference_csv(path))


@pytest.mark.parametrize("seed", range(8))
def test_random_values_match_reference(tmp_path: Path, seed: int) -> None:
    """A seeded, hypothesis-style sweep over combinations the hand-picked rows do not cover."""
    path = make_warehouse(tmp_path / "w.duckdb", random_rows(seed, 150))
    assert_same_bytes(export_bytes(path, tmp_path), reference_csv(path))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("", b""),
        (None, b""),
        (" ", b" "),
        ("a,b", b'"a,b"'),
        ('a"b', b'"a""b"'),
        ("a\r\nb", b'"a\r\nb"'),
        ("a\rb", b'"a\rb"'),
        ("#x", b"#x"),
        ("=1", b"'=1"),
        ("\r", b'"\'\r"'),
        ("é", "é".encode()),
    ],
)
def test_title_cell_bytes(tmp_path: Path, value: str | None, cell: bytes) -> None:
    """Pins the expected cell bytes independently of format_cell, so both paths cannot drift together."""
    row = {name: None for name in NAMES} | {"treatment_class": "a_class", "nct_id": "NCT1", "title": value}
    path = make_warehouse(tmp_path / "w.duckdb", [row])
    lines = export_bytes(path, tmp_path).split(b"\r\n", 1)
    assert lines[1] == b"a_class,,,NCT1," + cell + b"," * (len(NAMES) - 5) + b"\r\n"
