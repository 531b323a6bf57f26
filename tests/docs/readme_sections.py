"""Reference sections of docs/ generated from the code itself, so the docs cannot drift (sqlite-utils'
cog pattern): the warehouse tables (docs/TABLES.md) and every command's --help (docs/CLI.md).

``python -m tests.docs.readme_sections --write`` rewrites every marked section (between
``<!-- name:start -->`` and ``<!-- name:end -->``); the docs tests fail whenever one no longer matches.
The module keeps its name so the command people know keeps working.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.cli import build_parser
from pipeline.config import Settings, load_config
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.sql_files import packaged_sql_files
from pipeline.warehouse.sql_header import header_fields
from pipeline.warehouse.sql_layers import load_warehouse_sql

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"


def made_by(name: str) -> str:
    """Where a relation is made and what its file's header says about it."""
    models = {m.relation: m for m in load_warehouse_sql(packaged_sql_files()).models}
    fields = dict((f, v) for f, v in header_fields(models[name].file) if f in ("grain", "key", "incremental"))
    return (
        f"Made by `warehouse/{models[name].file.name}`. Grain: {fields['grain']}. Key: {fields['key']}. "
        f"Incremental build: {fields['incremental']}."
    )


@contextlib.contextmanager
def empty_warehouse() -> Iterator[Path]:
    """A warehouse built from the repository's config and no data: every table, view and comment."""
    repo = load_config(REPO_ROOT / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate(
            {
                **repo.model_dump(mode="json", exclude={"storage", "warehouse", "export"}),
                "storage": {"data_dir": f"{tmp}/data"},
                "warehouse": {"path": f"{tmp}/evidence.duckdb"},
                "export": {"csv_path": f"{tmp}/evidence.csv"},
            }
        )
        build_warehouse(settings)
        yield settings.warehouse.path


def tables_section() -> str:
    """Every analyst-facing table and column with its COMMENT ON text, from a freshly built warehouse,
    and where its SQL file is with what the file's header says (grain, key, incremental rule)."""
    with empty_warehouse() as path, duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() "
            "WHERE comment IS NOT NULL AND NOT internal ORDER BY 1"
        ).fetchall()
        lines = []
        for name, comment in relations:
            columns = con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns() "
                "WHERE table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            lines += [f"## `{name}`", "", comment, "", made_by(name), ""]
            lines += ["| column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c}` | {t} | {(m or '').replace('|', '/')} |" for c, t, m in columns]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def cli_section() -> str:
    """The --help text of the command and each subcommand."""
    parser = build_parser()
    blocks = [("evidence --help", parser)]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    blocks += [(f"evidence {name} --help", p) for name, p in sub.choices.items()]
    out = []
    for title, p in blocks:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            p.print_help()
        out += [f"`{title}`", "", "```text", buffer.getvalue().rstrip(), "```", ""]
    return "\n".join(out).rstrip() + "\n"


@dataclass(frozen=True)
class Section:
    """A generated section: the file holding it and the function making its text."""

    path: Path
    make: Callable[[], str]


SECTIONS = {
    "tables": Section(DOCS / "TABLES.md", tables_section),
    "cli": Section(DOCS / "CLI.md", cli_section),
}


def _markers(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.S)


def current(name: str, text: str) -> str | None:
    """The section's text as the file has it; None when its markers are missing."""
    found = _markers(name).findall(text)
    return found[0][1] if len(found) == 1 else None


def write() -> None:
    """Rewrite every generated section in place; a file that lost its markers is an error, not a no-op."""
    for name, section in SECTIONS.items():
        text = section.path.read_text(encoding="utf-8")
        if current(name, text) is None:
            raise SystemExit(f"{section.path}: no single <!-- {name}:start --> ... <!-- {name}:end --> pair")
        body = section.make()
        text = _markers(name).sub(lambda m, body=body: m.group(1) + body + m.group(3), text)
        section.path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections in docs/")
    if parser.parse_args().write:
        write()
