"""Rules of the layout that no linter checks: ``pipeline/`` stays orchestration-free (Prefect lives in
``flows/`` only) and no module outgrows 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
FORBIDDEN_IN_PIPELINE = "prefect"
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, wherever the import stands (module level, inside functions,
    under ``if TYPE_CHECKING``) and however (``import``, ``from``, ``importlib.import_module("x")``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in DYNAMIC_IMPORTERS and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def imports_package(source: str, package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in imported_modules(source))


def python_modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO_ROOT / folder).rglob("*.py"))


def test_the_import_finder_sees_imports_inside_functions_and_dynamic_ones() -> None:
    nested = "def serve():\n    from prefect.client import get_client\n    return get_client\n"
    assert imports_package(nested, "prefect")
    assert imports_package("import importlib\nimportlib.import_module('prefect')\n", "prefect")
    assert imports_package("if True:\n    import prefect.flows as f\n", "prefect")
    assert not imports_package("import prefectural\nfrom pipeline import prefect_free\n", "prefect")


def test_pipeline_never_imports_prefect() -> None:
    modules = python_modules("pipeline")
    assert len(modules) > 50  # the walk found the package
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for p in modules
        if imports_package(p.read_text(encoding="utf-8"), FORBIDDEN_IN_PIPELINE)
    ]
    assert offenders == [], f"pipeline/ must stay orchestration-free (Prefect belongs in flows/): {offenders}"


def test_no_module_is_over_400_lines() -> None:
    too_long = {
        str(p.relative_to(REPO_ROOT)): n
        for p in python_modules("pipeline", "flows")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these modules (at most {MAX_MODULE_LINES} lines each): {too_long}"
