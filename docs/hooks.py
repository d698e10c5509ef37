"""mkdocs hook: the reference pages that would drift from the code are written from it at build time.

A page asks for a generated part with a line `<!-- generated: NAME -->`, NAME being a key of
GENERATED. Each part is read from the code itself: the CLI's argparse parser, the error functions
of `errors.py`, the fixture document's JSON Schema, the behaviour switches and the app's OpenAPI document; the home page
takes the README's quick start (which tests/test_docs.py runs), so it is written once, and the
speed page the table of the last `make bench` (bench/RESULTS.md). An unknown
name, or code the generators cannot describe, fails the build.
"""

import argparse
import asyncio
import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_origin

import httpx

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)
ENV_IN_HELP = re.compile(r"\s*\[(FAKE_SMARTENGAGE_[A-Z_]+)\]$")
# Error functions are shown with a placeholder for each argument; these few must be real values.
REAL_ARGUMENTS = {"status": 503}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
REPOSITORY = "https://github.com/fake-smartengage/fake-smartengage/"


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda marker: GENERATED[marker.group(1)]().strip(), markdown)


def cell(text: object) -> str:
    """Text made safe for one cell of a markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# CLI options: the parser of fake_smartengage/cli.py.


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return commands


def cli_synopsis() -> str:
    """Every command, with what it does."""
    from fake_smartengage.cli import _parser

    lines = [
        (f"fake-smartengage {command.dest} [options]", command.help)
        for command in _commands(_parser())._choices_actions
    ]
    lines.append(("python -m fake_smartengage COMMAND [options]", "the same"))
    width = max(len(line) for line, _ in lines)
    return "```sh\n" + "\n".join(f"{line:<{width}}  # {help}" for line, help in lines) + "\n```"


def cli_options() -> str:
    from fake_smartengage.cli import _parser

    parser = _parser()
    commands = _commands(parser)
    sections = [table(["Option", "What it does"], list(_option_rows(parser, with_env=False)))]
    for name, command in commands.choices.items():
        rows = list(_option_rows(command, with_env=True))
        command.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=100)
        sections += [
            f"## `fake-smartengage {name}`",
            command.description or "",
            table(["Option", "Environment variable", "What it does"], rows),
            f'??? note "`fake-smartengage {name} --help`"\n\n'
            + "    ```text\n"
            + "\n".join(f"    {line}".rstrip() for line in command.format_help().splitlines())
            + "\n    ```",
        ]
    return "\n\n".join(sections)


def _option_rows(parser: argparse.ArgumentParser, *, with_env: bool) -> Iterator[list[str]]:
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        invocation = formatter._format_action_invocation(action)
        if isinstance(action, argparse._AppendAction):
            invocation += " (repeatable)"
        help_text = action.help or ""
        found = ENV_IN_HELP.search(help_text)
        env = f"`{found.group(1)}`" if found else ""
        help_text = ENV_IN_HELP.sub("", help_text)
        row = [f"`{cell(invocation)}`", *([env] if with_env else []), cell(help_text)]
        yield row


# Errors: the functions of fake_smartengage/errors.py that make an ApiError.


def error_functions() -> Iterator[tuple[str, Any]]:
    """Each error function's name and the error it makes, a placeholder `<name>` for each argument."""
    from fake_smartengage import errors

    for name, function in inspect.getmembers(errors, inspect.isfunction):
        signature = inspect.signature(function)
        if function.__module__ != errors.__name__ or signature.return_annotation is not errors.ApiError:
            continue
        if function is errors.as_api_error:  # it makes no error: it words those the others make
            continue
        yield name, function(**{name: _placeholder(parameter) for name, parameter in signature.parameters.items()})


def _placeholder(parameter: inspect.Parameter) -> object:
    if parameter.name in REAL_ARGUMENTS:
        return REAL_ARGUMENTS[parameter.name]
    if get_origin(parameter.annotation) is list:
        return [f"<{parameter.name}[0]>", f"<{parameter.name}[1]>"]
    return f"<{parameter.name}>"


def error_table() -> str:
    """One table per status and type, each message with its `param`, its headers and its function."""
    groups: dict[tuple[str, str], list[list[str]]] = {}
    for name, error in sorted(error_functions(), key=lambda item: (item[1].status, item[0])):
        status = "the fault's status" if name == "injected_fault" else str(error.status)
        headers = "<br>".join(f"`{cell(key)}: {cell(value)}`" for key, value in (error.headers or {}).items())
        param = f"`{cell(error.param)}`" if error.param else "null"
        groups.setdefault((status, error.type), []).append([f"`{cell(error.message)}`", param, headers, f"`{name}`"])
    sections = []
    for (status, kind), rows in groups.items():
        sections += [f"### {status}, `{kind}`", table(["`message`", "`param`", "Headers", "Made by"], rows)]
    return "\n\n".join(sections)


def framework_errors() -> str:
    """What the app's handlers answer to requests no route made an error for, asked of a real app."""
    requests = [
        ("an unknown route", "GET", "/subscribers/list", {}),
        ("a method the route does not take", "GET", "/tags/add", {}),
        ("a harness upload that is not JSON", "POST", "/_fake/tenants", {"content": b"{"}),
        ("a harness parameter of the wrong type", "GET", "/_fake/requests", {"params": {"limit": "many"}}),
        ("a fixture document that does not load", "POST", "/_fake/tenants", {"json": {"avatars": [{}]}}),
    ]
    rows = []
    for (when, method, path, _), answer in zip(requests, asyncio.run(_ask(requests)), strict=True):
        error = answer.json()["error"]
        param = f"`{cell(error['param'])}`" if error["param"] else "null"
        message = f"`{cell(error['message'])}`"
        rows.append([cell(when), f"`{method} {path}`", str(answer.status_code), f"`{error['type']}`", message, param])
    return table(["When", "Example", "Status", "`type`", "`message`", "`param`"], rows)


async def _ask(requests: list[tuple[str, str, str, dict]]) -> list[httpx.Response]:
    from fake_smartengage.app import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        headers = {"Content-Type": "application/json"}
        return [await client.request(method, path, headers=headers, **options) for _, method, path, options in requests]


# The fixture format: the JSON Schema of fake_smartengage.store.seeding.FixtureDocument.


def fixture_format() -> str:
    from fake_smartengage.store.seeding import FixtureDocument

    schema = FixtureDocument.model_json_schema()
    definitions = schema.get("$defs", {})
    sections = [_schema_section(schema["title"], schema, definitions, "##")]
    for name in _referenced(schema, definitions):
        sections.append(_schema_section(name, definitions[name], definitions, "##"))
    whole = json.dumps(schema, indent=2)
    sections.append(
        '??? note "The whole JSON Schema"\n\n    ```json\n'
        + "\n".join(f"    {line}" for line in whole.splitlines())
        + "\n    ```"
    )
    return "\n\n".join(sections)


def _referenced(schema: Any, definitions: dict) -> list[str]:
    """The names of the definitions `schema` refers to, in the order a reader meets them."""
    order: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("$ref", "").rsplit("/", 1)[-1]
            if name and name not in order:
                order.append(name)
                visit(definitions[name])
            for key, value in node.items():
                if key != "$defs":
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return order


def _schema_section(name: str, schema: dict, definitions: dict, level: str = "###") -> str:
    required = set(schema.get("required", ()))
    rows = []
    for field, spec in schema.get("properties", {}).items():
        default = json.dumps(spec["default"]) if "default" in spec else ""
        rows.append(
            [
                f"`{field}`",
                type_of(spec),
                "yes" if field in required else "no",
                f"`{cell(default)}`" if default else "",
                cell(spec.get("description", "")),
            ]
        )
    parts = [f"{level} {name}"]
    if schema.get("description"):
        parts.append(schema["description"])
    if schema.get("additionalProperties") is False:
        parts.append("No other keys are allowed.")
    parts.append(table(["Key", "Type", "Required", "Default", "Description"], rows))
    return "\n\n".join(parts)


def type_of(spec: dict) -> str:
    """A schema's type in words, with its constraints, linking to the section of a referenced object."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in spec:
        return " or ".join(type_of(option) for option in spec["anyOf"])
    kind = spec.get("type", "any")
    if kind == "array":
        return f"array of {type_of(spec.get('items', {}))}"
    limits = []
    if "minimum" in spec or "maximum" in spec:
        limits.append(f"{spec.get('minimum', '')} to {spec.get('maximum', '')}".strip())
    if spec.get("minLength"):
        limits.append(f"at least {spec['minLength']} character{'s' if spec['minLength'] > 1 else ''}")
    if spec.get("maxLength"):
        limits.append(f"at most {spec['maxLength']} characters")
    if spec.get("pattern"):
        limits.append(f"matching `{cell(spec['pattern'])}`")
    return kind + (f" ({', '.join(limits)})" if limits else "")


# The harness API: the /_fake/ paths of the app's OpenAPI document.


def harness_operations() -> Iterator[tuple[str, str, dict]]:
    from fake_smartengage.app import create_app

    spec = create_app().openapi()
    for path, operations in spec["paths"].items():
        if path.startswith("/_fake/"):
            for method in HTTP_METHODS:
                if method in operations:
                    yield method.upper(), path, operations[method]


def harness_routes() -> str:
    rows = [
        [f"[`{method} {path}`](#{_anchor(method, path)})", cell(op.get("summary", ""))]
        for method, path, op in harness_operations()
    ]
    return table(["Route", "What it does"], rows)


def _anchor(method: str, path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")


def harness_api() -> str:
    from fake_smartengage.app import create_app

    schemas = create_app().openapi()["components"]["schemas"]
    operations = list(harness_operations())
    sections = []
    for method, path, op in operations:
        parts = [f"### `{method} {path}` {{#{_anchor(method, path)}}}", op.get("summary", "")]
        if op.get("description"):
            parts.append(op["description"])
        parameters = op.get("parameters", [])
        if parameters:
            rows = [
                [
                    f"`{p['name']}`",
                    p["in"],
                    "yes" if p.get("required") else "no",
                    type_of(p.get("schema", {})),
                    cell(p.get("description", "")),
                ]
                for p in parameters
            ]
            parts.append(table(["Parameter", "In", "Required", "Type", "Description"], rows))
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if body:
            described = f". {cell(body['description'])}" if body.get("description") else ""
            parts.append(f"Body (JSON): {type_of(body)}{described}")
        answers = [
            f"`{status}` {cell(answer.get('description', ''))}" + _answer_schema(answer)
            for status, answer in op.get("responses", {}).items()
        ]
        parts.append("Answers: " + "; ".join(answers) + ".")
        sections.append("\n\n".join(parts))
    sections.append("## Shapes")
    for name in _referenced([op for _, _, op in operations], schemas):
        sections.append(_schema_section(name, schemas[name], schemas))
    return "\n\n".join(sections)


def _answer_schema(answer: dict) -> str:
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    return f", {type_of(schema)}" if schema else ""


# The quick start: the README's, which its tests run, shown on the site's home page as well.


def readme_quick_start() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    start = readme.index("\n## Quick start\n")
    end = readme.index("\n## ", start + 1)
    # The README's links into docs/ are absolute, for PyPI; here they are links from the home page.
    return readme[start:end].replace(f"]({REPOSITORY}blob/main/docs/", "](")


# Behaviour switches: fake_smartengage/api/behaviour.py's SWITCHES.


def behaviour_switches() -> str:
    from fake_smartengage.api.behaviour import SWITCHES

    rows = [
        [
            f"`{switch.name}`",
            " / ".join(f"`{alternative}`" for alternative in switch.alternatives),
            f"`{switch.default}`",
            cell(switch.description),
            cell(switch.learned_by),
        ]
        for switch in SWITCHES
    ]
    return table(["Switch", "Alternatives", "Default", "What it decides", "How `verify` tells them apart"], rows)


# The speed page: the table the last `make bench` wrote, with its date and machine.


def bench_results() -> str:
    results = (Path(__file__).parent.parent / "bench" / "RESULTS.md").read_text()
    return results.split("\n", 1)[1].strip()  # without its own title


GENERATED: dict[str, Callable[[], str]] = {
    "readme-quick-start": readme_quick_start,
    "cli-synopsis": cli_synopsis,
    "cli-options": cli_options,
    "error-table": error_table,
    "framework-errors": framework_errors,
    "fixture-format": fixture_format,
    "harness-routes": harness_routes,
    "harness-api": harness_api,
    "bench-results": bench_results,
    "behaviour-switches": behaviour_switches,
}
