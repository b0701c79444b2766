"""The shape a new maintainer can rely on: small modules, short functions, thin routes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "alertsvc"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
MAX_ROUTE_LINES = 25
# Modules whose size is a table (the decision's rule and explanation tables, the models).
TABLES: frozenset[str] = frozenset()


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _is_route(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in {
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "route",
        }:
            return True
    return False


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_a_reader_can_hold(module: Path) -> None:
    if str(module.relative_to(PACKAGE)) in TABLES:
        return
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module.name}: {lines} lines"


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_longer_than_sixty_lines_and_routes_stay_thin(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    too_long = []
    for function in _functions(tree):
        length = (function.end_lineno or function.lineno) - function.lineno + 1
        limit = MAX_ROUTE_LINES if _is_route(function) else MAX_FUNCTION_LINES
        if length > limit:
            too_long.append(f"{function.name}: {length} > {limit}")
    assert not too_long, too_long
