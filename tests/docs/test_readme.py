"""README.md stays true: its generated sections match the code, its first commands and config keys exist."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.docs.readme_sections import README, SECTIONS, current

TEXT = README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_generated_section_is_current(name):
    fresh = SECTIONS[name]()
    assert current(name, TEXT) == fresh, (
        f"README section '{name}' is stale: run `python -m tests.docs.readme_sections --write`"
    )


def test_first_two_commands_install_run_and_test():
    blocks = re.findall(r"```bash\n(.*?)```", TEXT, re.S)
    assert "pip install -e '.[test]'" in blocks[0] and "evidence refresh" in blocks[0]
    assert blocks[1].strip() == ".venv/bin/python -m pytest"
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci, ".ci/run must run exactly the README's test command"


def _keys(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            yield path
            if path not in ("treatment_classes", "endpoints.populations", "endpoints.definitions"):
                yield from _keys(value, path + ".")


def test_every_config_key_is_documented():
    config = yaml.safe_load((README.parent / "config.yaml").read_text(encoding="utf-8"))
    missing = [k for k in _keys(config) if f"`{k}`" not in TEXT]
    assert not missing, f"config keys not documented in README.md: {missing}"
