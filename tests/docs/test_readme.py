"""README.md stays short and true: its first commands run what CI runs, it names the demo, every command and
every declared dependency, and it leaves the reference to docs/."""

from __future__ import annotations

import re
import tomllib

from pipeline.cli import build_parser
from tests.docs.readme_sections import README, REPO_ROOT, SECTIONS

TEXT = README.read_text(encoding="utf-8")
MAX_LINES = 250  # about 200: what a newcomer reads in five minutes


def test_first_two_commands_install_run_and_test():
    blocks = re.findall(r"```bash\n(.*?)```", TEXT, re.S)
    assert "pip install -e '.[test]'" in blocks[0] and "evidence refresh" in blocks[0]
    assert blocks[1].strip() == ".venv/bin/python -m pytest"
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci, ".ci/run must run exactly the README's test command"


def test_no_network_points_to_the_demo_right_after_the_two_commands():
    after_commands = TEXT.split(".venv/bin/python -m pytest\n```", 1)[1]
    before_first_section = after_commands.split("\n## ", 1)[0]
    assert "No network?" in before_first_section and "evidence demo" in before_first_section


def test_readme_is_short_and_leaves_the_reference_to_docs():
    n_lines = len(TEXT.splitlines())
    assert n_lines <= MAX_LINES, f"README.md has {n_lines} lines: move reference material to docs/"
    for name in SECTIONS:
        assert f"<!-- {name}:start -->" not in TEXT, f"the generated '{name}' section belongs in docs/"


def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return list(sub.choices)


def test_every_command_has_a_line_at_a_glance():
    glance = TEXT.split("## The CLI at a glance", 1)[1].split("\n## ", 1)[0]
    missing = [c for c in _commands() if not re.search(rf"^evidence {c}\b", glance, re.M)]
    assert not missing, f"commands without a line under 'The CLI at a glance': {missing}"


def _declared_dependencies() -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [spec for group in project["optional-dependencies"].values() for spec in group]
    specs = project["dependencies"] + extras
    return [re.match(r"[A-Za-z0-9_.-]+", s).group(0).lower() for s in specs]


def test_every_declared_dependency_says_what_it_does_here():
    section = TEXT.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    missing = [d for d in _declared_dependencies() if f"**{d}**" not in section]
    assert not missing, f"declared dependencies without a line under 'Dependencies' in README.md: {missing}"
