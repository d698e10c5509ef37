"""The README and the documentation site (docs/, mkdocs.yml) stay true.

Their examples run as a reader would run them: the README's quick start and the harness API
page's curl examples through bash against a real server, each answer compared with the one shown;
the README's and the pytest guide's Python examples; the fixtures guide's fixture and its load
error. The README is a front page whose links resolve to pages of the site, and the generated
reference pages cover everything in the code they are generated from. The Docker and CI pages are
checked in tests/test_docker_docs.py; `make test` builds the site with `mkdocs build --strict`.
"""

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from fake_smartengage.app import create_app
from fake_smartengage.cli import _parser
from fake_smartengage.settings import Settings
from fake_smartengage.store.seeding import FixtureDocument
from processes import SCRIPT, running_server, server_env

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
REPOSITORY = "https://github.com/fake-smartengage/fake-smartengage/"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def load_hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def blocks(language: str, text: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```\n", text, re.MULTILINE | re.DOTALL)


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def nav_files() -> set[str]:
    def walk(node) -> set[str]:
        if isinstance(node, str):
            return {node}
        if isinstance(node, dict):
            return set().union(*(walk(value) for value in node.values()))
        return set().union(*(walk(item) for item in node))

    return walk(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"])


def test_readme_is_a_front_page():
    assert len(README.splitlines()) <= 200
    (commands, *_) = blocks("sh", README)
    assert [line.split()[:2] for line in commands.splitlines()] == [["make", "run"], ["make", "test"]]
    for part in ("## Quick start", "## Three ways to use it", "## Documentation"):
        assert part in README


def test_readme_links_work_on_pypi_and_docs_links_are_pages_of_the_site():
    targets = LINK.findall(README)
    # PyPI shows the README alone: a relative link would lead nowhere there.
    assert [target for target in targets if not urlsplit(target).scheme] == []
    docs_links = [target for target in targets if target.startswith(f"{REPOSITORY}blob/main/docs/")]
    assert len(docs_links) >= 12
    for target in docs_links:  # test_links_into_this_repository_name_files_that_exist checks that they exist
        page = target.split("#")[0].removeprefix(f"{REPOSITORY}blob/main/docs/")
        assert page.endswith(".md") and page in nav_files(), f"README links to {target}, not a page of the site"


def test_readme_tells_a_pip_user_how_to_serve():
    assert "`pip install fake-smartengage && fake-smartengage serve`" in README


def test_make_docs_serves_on_a_port_no_example_uses():
    (docs_port,) = re.findall(r"^DOCS_ADDR \?= [0-9.]+:([0-9]+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    texts = [README, *(path.read_text() for path in DOCS.rglob("*.md"))]
    examples = [block for text in texts for block in re.findall(r"^ *```.*?^ *```", text, re.MULTILINE | re.DOTALL)]
    ports = {port for block in examples for port in re.findall(r"(?:127\.0\.0\.1:|localhost:|--port )([0-9]+)", block)}
    assert "8001" in ports and docs_port not in ports


def test_every_page_is_in_the_navigation():
    pages = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    assert pages <= nav_files()


def test_links_into_this_repository_name_files_that_exist():
    texts = [README, *(path.read_text() for path in DOCS.rglob("*.md"))]
    links = [target for text in texts for target in LINK.findall(text) if target.startswith(REPOSITORY)]
    assert links
    for link in links:
        path = re.sub(r"^(blob|tree)/main/", "", link.removeprefix(REPOSITORY).split("#")[0])
        assert (ROOT / path).exists(), link


def quick_start_steps() -> tuple[str, list[tuple[str, str]]]:
    """The quick start's `export` line, and each command with the answer it shows."""
    fenced = re.findall(r"^```(\w+)\n(.*?)^```\n", section(README, "## Quick start"), re.MULTILINE | re.DOTALL)
    ((first_kind, export), *rest) = fenced
    assert first_kind == "sh"
    assert [kind for kind, _ in rest] == ["sh", "json"] * (len(rest) // 2), "each command is followed by its answer"
    return export, [(rest[i][1], rest[i + 1][1]) for i in range(0, len(rest), 2)]


# What an answer shown in the docs cannot fix in advance: a key, a journal entry's id and time, a duration.
VOLATILE = {
    "key": r'"se_[^"]*"',
    "entry": r'"id":\d+,"time":"[^"]*"',
    "duration": r'"duration_ms":[0-9.]+',
}
VOLATILE_VALUES = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in VOLATILE.items()))


def shown_answer(shown: str) -> re.Pattern:
    """A pattern of the answer as shown: `…` cuts a long answer, and volatile values match any value."""
    shown = shown.strip()
    parts, position = [], 0
    for volatile in VOLATILE_VALUES.finditer(shown):
        parts += [_literal(shown[position : volatile.start()]), VOLATILE[volatile.lastgroup]]
        position = volatile.end()
    parts.append(_literal(shown[position:]))
    return re.compile("".join(parts), re.DOTALL)


def _literal(text: str) -> str:
    return ".*?".join(re.escape(part) for part in text.split("…"))


def shell_examples(text: str) -> list[tuple[str, str | None]]:
    """Each sh block of `text`, with the answer shown in the json block right after it, if any."""
    fenced = re.findall(r"^```(\w+)\n(.*?)^```\n", text, re.MULTILINE | re.DOTALL)
    examples = []
    for index, (kind, body) in enumerate(fenced):
        if kind == "sh":
            (next_kind, next_body) = fenced[index + 1] if index + 1 < len(fenced) else ("", "")
            examples.append((body, next_body if next_kind == "json" else None))
    return examples


def run_in_one_shell(examples: list[tuple[str, str | None]], env: dict[str, str], cwd: Path) -> list[str]:
    """Each example's output, the examples run in order in one bash as a reader pastes them; every
    curl must get a 2xx."""
    separator = "@@ next example @@"
    script = ["set -e", 'curl() { command curl --fail-with-body "$@"; }']
    for command, _ in examples:
        script += [command, f"echo; echo '{separator}'"]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=60, env=env, cwd=cwd
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    return [output.strip() for output in done.stdout.split(separator + "\n")[: len(examples)]]


def shell_env(**variables: str) -> dict[str, str]:
    # curl must reach the local server directly, whatever proxy the environment names.
    return {**os.environ, "no_proxy": "*", "NO_PROXY": "*", **variables}


def test_quick_start_answers_as_shown(tmp_path):
    export, steps = quick_start_steps()
    assert len(steps) >= 6
    default_url = f"http://{Settings().host}:{Settings().port}"
    assert f"SE={default_url} " in export  # where `make run` serves
    with running_server(tmp_path) as server:
        for command, shown in steps:
            script = export.replace(default_url, server.url) + command
            done = subprocess.run(
                ["bash", "-e", "-c", script], capture_output=True, text=True, timeout=30, env=shell_env()
            )
            assert done.returncode == 0, (command, done.stderr)
            assert shown_answer(shown).fullmatch(done.stdout.strip()), (command, done.stdout)


def test_harness_api_examples_run_and_answer_as_shown(tmp_path):
    page = (DOCS / "reference" / "harness-api.md").read_text()
    assert "In the examples\n`SE=http://127.0.0.1:8000`" in page
    examples = shell_examples(page)
    assert len(examples) >= 9 and sum(shown is not None for _, shown in examples) >= 6
    with running_server(tmp_path) as server:
        outputs = run_in_one_shell(examples, shell_env(SE=server.url), tmp_path)
    for (command, shown), output in zip(examples, outputs, strict=True):
        if shown is not None:
            assert shown_answer(shown).fullmatch(output), (command, output)


def test_shown_answers_match_only_what_they_show():
    assert not shown_answer('{"id":"2",…,"tags":["tags1"]}').fullmatch('{"id":"3","tags":["tags1"]}')
    assert shown_answer('{"id":"2",…,"tags":["tags1"]}').fullmatch('{"id":"2","email":null,"tags":["tags1"]}')
    key = shown_answer('{"api_key":"se_OLi…","rate_limit":"5/s"}')
    assert key.fullmatch('{"api_key":"se_x7Y…","rate_limit":"5/s"}')
    assert not key.fullmatch('{"api_key":"se_x7Y…","rate_limit":"6/s"}')
    entry = shown_answer('[{"id":1,"time":"2026-11-25T10:11:22.816+00:00","status":200,"duration_ms":1.956}]')
    assert entry.fullmatch('[{"id":7,"time":"2027-01-01T00:00:00.000+00:00","status":200,"duration_ms":0.5}]')
    assert not entry.fullmatch('[{"id":7,"time":"2027-01-01T00:00:00.000+00:00","status":503,"duration_ms":0.5}]')


def test_readme_and_guide_pytest_examples_pass(pytester):
    guide = (DOCS / "guides" / "pytest.md").read_text()
    indented = re.findall(r"^  ```python\n(.*?)^  ```\n", guide, re.MULTILINE | re.DOTALL)
    (in_process,) = [re.sub(r"^  ", "", block, flags=re.MULTILINE) for block in indented if "smartengage_app" in block]
    (readme,) = [block for block in blocks("python", README) if "def test_" in block]
    pytester.makepyfile(test_readme=readme, test_in_process=in_process)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_guide_server_thread_example_runs():
    guide = (DOCS / "guides" / "pytest.md").read_text()
    (example,) = [block for block in blocks("python", guide.replace("\n  ", "\n")) if "ServerThread()" in block]
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", done.stdout.strip())


def test_guide_python_client_example_runs(tmp_path):
    guide = (DOCS / "guides" / "pytest.md").read_text()
    (example,) = [block for block in blocks("python", section(guide, "## The Python client"))]
    with running_server(tmp_path) as server:
        script = example.replace('"http://127.0.0.1:8000"', repr(server.url))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    journal, refused = done.stdout.strip().splitlines()
    assert "'path': '/avatars/list'" in journal and "'status': 200" in journal
    assert refused.startswith("404 {'error': {'type': 'invalid_request_error'")


def test_fixtures_guide_example_serves_and_fails_as_shown(tmp_path):
    guide = (DOCS / "guides" / "fixtures.md").read_text()
    (document, answer) = blocks("json", guide)
    (serve, curl) = blocks("sh", guide)
    (tmp_path / "shop.json").write_text(document)
    args = shlex.split(serve)[2:]
    assert args[:2] == ["--port", "8001"]  # the server below listens on a free port instead
    served = [str(tmp_path / arg) if arg == "shop.json" else arg for arg in args[2:]]
    with running_server(tmp_path, *served) as server:
        command = curl.replace("http://127.0.0.1:8001", server.url)
        done = subprocess.run(
            ["bash", "-e", "-c", command], capture_output=True, text=True, timeout=30, cwd=tmp_path, env=shell_env()
        )
    assert done.stdout.strip() == answer.strip()

    shop = json.loads(document)
    shop["accounts"][0]["avatars"][0]["subscribers"][0]["tags"] = [10, 2]  # "With Ada's tags changed to [10, 2]"
    (tmp_path / "shop.json").write_text(json.dumps(shop))
    (message,) = re.findall(r"^  ```\n  (fake-smartengage: .*)\n  ```$", guide, re.MULTILINE)
    refused = subprocess.run(
        [str(SCRIPT), "serve", *args[2:]],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        env=server_env(),
    )
    assert (refused.returncode, refused.stderr.strip()) == (2, message)


def test_generated_pages_are_asked_for_by_the_pages():
    hooks = load_hooks()
    asked = {name for path in DOCS.rglob("*.md") for name in hooks.MARKER.findall(path.read_text())}
    assert asked == set(hooks.GENERATED)


def test_cli_page_has_every_option_of_every_command():
    page = load_hooks().cli_options()
    parser = _parser()
    (commands,) = [action for action in parser._actions if hasattr(action, "choices") and action.choices]
    for name, command in commands.choices.items():
        assert f"## `fake-smartengage {name}`" in page
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in page, flag
    assert "`FAKE_SMARTENGAGE_MAX_HARNESS_BODY_BYTES`" in page


def test_cli_page_synopsis_lists_every_command():
    synopsis = load_hooks().cli_synopsis()
    (commands,) = [action for action in _parser()._actions if hasattr(action, "choices") and action.choices]
    shown = [line.split()[1] for line in synopsis.splitlines()[1:-2]]
    assert shown == list(commands.choices) == ["serve", "healthcheck", "verify", "snapshot"]


def test_errors_page_has_every_error_function():
    hooks = load_hooks()
    page = hooks.error_table()
    functions = dict(hooks.error_functions())
    assert {"missing_param", "not_found", "rate_limited", "body_too_large", "identity_split"} <= set(functions)
    for name, error in functions.items():
        assert f"| `{error.message}` | " in page and f"| `{name}` |" in page, name
    assert "### 400, `invalid_request_error`" in page and "### 429, `rate_limit_error`" in page
    assert "| `Missing required parameter: <param>` | `<param>` |  | `missing_param` |" in page


def test_behaviour_page_has_every_switch_and_alternative():
    from fake_smartengage.api.behaviour import SWITCHES

    page = load_hooks().behaviour_switches()
    for switch in SWITCHES:
        assert f"| `{switch.name}` | " in page, switch.name
        assert all(f"`{alternative}`" in page for alternative in switch.alternatives), switch.name


def test_fixture_format_page_has_every_key():
    page = load_hooks().fixture_format()
    schema = FixtureDocument.model_json_schema()
    for model in [schema, *schema["$defs"].values()]:
        for key in model.get("properties", {}):
            assert f"| `{key}` |" in page, key
    assert "| `push_id` | string or null | no |" in page


def test_harness_api_page_has_every_harness_route():
    page = load_hooks().harness_api()
    paths = create_app().openapi()["paths"]
    routes = [(method.upper(), path) for path, ops in paths.items() if path.startswith("/_fake/") for method in ops]
    assert len(routes) >= 15
    for method, path in routes:
        assert f"### `{method} {path}`" in page
    assert "## FaultSpec" in page or "### FaultSpec" in page
