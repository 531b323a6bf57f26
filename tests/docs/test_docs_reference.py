"""docs/ stays true: generated sections match the code, every config key is documented, links resolve,
and the SQL examples run against the warehouse's tables."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.docs.readme_sections import DOCS, README, REPO_ROOT, SECTIONS, current, empty_warehouse

CONFIGURATION = DOCS / "CONFIGURATION.md"
MARKDOWN = [README, REPO_ROOT / "warehouse" / "README.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_generated_section_is_current(name):
    section = SECTIONS[name]
    text = section.path.read_text(encoding="utf-8")
    assert current(name, text) == section.make(), (
        f"{section.path.name}: generated section '{name}' is stale or its markers are missing: "
        "run `python -m tests.docs.readme_sections --write`"
    )


def _keys(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            yield path
            if path not in ("treatment_classes", "endpoints.populations", "endpoints.definitions"):
                yield from _keys(value, path + ".")


def test_every_config_key_is_documented():
    text = CONFIGURATION.read_text(encoding="utf-8")
    config = yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))
    missing = [k for k in _keys(config) if f"`{k}`" not in text]
    assert not missing, f"config keys not documented in docs/CONFIGURATION.md: {missing}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but '-' dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def broken_links(path: Path) -> list[str]:
    """Relative links whose file does not exist, or whose #anchor names no heading there."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists() or (anchor and anchor not in anchors(resolved)):
            broken.append(target)
    return broken


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_resolve(path):
    assert not broken_links(path), f"{path.relative_to(REPO_ROOT)}: broken links {broken_links(path)}"


def test_the_link_check_catches_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "A.md").write_text("# Title\n\n## The CSV export\n", encoding="utf-8")
    page = tmp_path / "B.md"
    page.write_text(
        "[ok](A.md#the-csv-export) [gone](C.md) [no anchor](A.md#nothing) [web](https://example.org)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["C.md", "A.md#nothing"]


def sql_examples() -> list[tuple[str, str]]:
    """(file, statement) for every statement in a ```sql block of README.md and docs/ (comment-only
    blocks, like warehouse/README.md's header example, have none)."""
    found = []
    for path in MARKDOWN:
        for block in re.findall(r"```sql\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            statements = [s.strip() for s in block.split(";")]
            found += [(path.name, s) for s in statements if re.search(r"^(?!--)\S", s, re.M)]
    return found


def test_sql_examples_run_against_the_warehouse():
    examples = sql_examples()
    assert len(examples) >= 3  # README's three, at least
    failures = []
    with empty_warehouse() as path, duckdb.connect(str(path), read_only=True) as con:
        for name, statement in examples:
            try:
                con.cursor().sql(statement).fetchall()  # a cursor per result (DuckDB 2.0)
            except duckdb.Error as exc:
                failures.append(f"{name}: {statement.splitlines()[-1]} -> {exc}")
    assert not failures, "SQL examples that no longer run:\n" + "\n".join(failures)
