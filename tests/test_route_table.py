"""The route table is the one place a SmartEngage route is declared: nothing else in the package
spells a route's path, and what the server reports of its routes is the table."""

import ast
import re
from pathlib import Path

import pytest

import fake_smartengage
from fake_smartengage.api.table import ROUTES

PACKAGE = Path(fake_smartengage.__file__).parent
TABLE = PACKAGE / "api" / "table.py"
# Any spelling of a route's path: with or without its leading and trailing slashes.
_SPELLINGS = re.compile(
    "|".join(rf"(?<![\w/])/?{re.escape(route.path.strip('/'))}(?!\w)" for route in ROUTES),
)


def _python_strings(path: Path) -> list[str]:
    """The string literals of a module but its docstrings, whose examples show users' code."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _texts() -> list[tuple[Path, str]]:
    texts = []
    for path in sorted(PACKAGE.rglob("*")):
        if path == TABLE or not path.is_file() or "assets" in path.parts:
            continue
        if path.suffix == ".py":
            texts += [(path, text) for text in _python_strings(path)]
        elif path.suffix in (".html", ".js", ".css"):
            texts.append((path, path.read_text()))
    return texts


def test_no_route_path_is_written_outside_the_route_table():
    found = [
        f"{path.relative_to(PACKAGE)}: {match.group()!r}"
        for path, text in _texts()
        for match in _SPELLINGS.finditer(text)
    ]
    assert found == []


def test_the_literal_check_finds_a_route_path_where_one_is_written():
    assert _SPELLINGS.search('call("POST", "/subscribers/add")')
    assert _SPELLINGS.search("tags/list")
    assert not _SPELLINGS.search("/_fake/subscribers/7")


@pytest.mark.parametrize("client", ["asgi"], indirect=True)
async def test_the_server_lists_the_route_table(client):
    response = await client.get("/_fake/routes")
    assert response.status_code == 200
    assert [(route["name"], route["path"], route["other_path"]) for route in response.json()] == [
        (route.name, route.path, route.other_path) for route in ROUTES
    ]
    assert all(route["methods"] and route["basis"] == "documented" for route in response.json())
