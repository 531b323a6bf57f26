"""The default config ships inside the package: an installed pipeline (no checkout, no ./config.yaml) runs
`evidence demo`, `status` and the rest without --config, its folders under the current folder, and says
which config it used. The checkout's ./config.yaml is a link to that one file, so there is no copy to
keep in sync, and its folders stay in the checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import PACKAGED_CONFIG, config_folder, load_config, resolve_config_path
from pipeline.errors import ConfigError
from tests.conftest import REPO_ROOT


@pytest.fixture
def no_config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVIDENCE_CONFIG", raising=False)
    return tmp_path


def test_the_default_config_is_package_data_and_the_checkouts_config_links_to_it() -> None:
    assert PACKAGED_CONFIG.is_file() and not PACKAGED_CONFIG.is_symlink()
    assert PACKAGED_CONFIG.parent == REPO_ROOT / "pipeline" / "config"
    checkout = REPO_ROOT / "config.yaml"
    assert checkout.is_symlink() and checkout.resolve() == PACKAGED_CONFIG, "one file, never two"
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["pipeline.config"]
    assert PACKAGED_CONFIG in {p for pattern in patterns for p in PACKAGED_CONFIG.parent.glob(pattern)}


def test_the_checkouts_config_keeps_its_folders_in_the_checkout(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_config(REPO_ROOT / "config.yaml")
    assert settings.storage.data_dir == REPO_ROOT / "data", "the link's folder, not the package's"
    assert config_folder(REPO_ROOT / "config.yaml") == REPO_ROOT


def test_without_a_config_here_the_packaged_one_is_used_with_its_folders_here(no_config_here) -> None:
    assert resolve_config_path(None) == PACKAGED_CONFIG
    settings = load_config(None)
    assert settings.storage.data_dir == no_config_here / "data", "never inside the installed package"
    assert settings.warehouse.path.is_relative_to(no_config_here)
    assert settings.treatment_classes == load_config(REPO_ROOT / "config.yaml").treatment_classes


def test_a_config_here_wins_and_a_named_config_must_exist(no_config_here, monkeypatch) -> None:
    (no_config_here / "config.yaml").write_text("treatment_classes: {}\n", encoding="utf-8")
    assert resolve_config_path(None) == Path("config.yaml")
    with pytest.raises(ConfigError, match=r"config file not found: absent\.yaml"):
        load_config("absent.yaml")
    monkeypatch.setenv("EVIDENCE_CONFIG", "absent-too.yaml")
    with pytest.raises(ConfigError, match=r"config file not found: absent-too\.yaml"):
        load_config(None)


def test_the_cli_says_it_uses_the_packaged_config(no_config_here, capsys) -> None:
    assert main(["status"]) == EXIT_OK
    err = capsys.readouterr().err
    assert err.startswith("note: no ./config.yaml here: using the default config shipped with the package")
    assert str(PACKAGED_CONFIG) in " ".join(err.split())
    (no_config_here / "config.yaml").symlink_to(PACKAGED_CONFIG)
    assert main(["status"]) == EXIT_OK
    assert "note:" not in capsys.readouterr().err


def test_serve_refuses_the_packaged_config(no_config_here, capsys) -> None:
    """Scheduled runs start in the runner's folder: the packaged default's folders would land there."""
    assert main(["serve"]) == EXIT_ERROR
    err = " ".join(capsys.readouterr().err.split())
    assert "evidence serve needs a config file of its own" in err and "note:" not in err
