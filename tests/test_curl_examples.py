"""docs/guides/curl-examples.md does what it says, run through a real shell as a user would run it.

The page tells a user to start `fake-smartengage serve`, export SE and KEY, define `se_example`,
and then either pipe the reference's examples, as printed, into that function, or paste the
page's fixed examples. Both are done here against a real server over TCP: the page's blocks are
read from the page and only the port in its SE line is changed (to the test server's). Every
example of the reference goes through the page's function, and must answer exactly what the page
shows under the matching fixed example, which must answer it too. The page says bash or zsh:
both run it (zsh where it is installed; macOS's default shell).
"""

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from processes import Server, running_server

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "guides" / "curl-examples.md"
REFERENCE = ROOT.parent / "shared" / "smartengage-api-reference.txt"
# Each shell without its start-up files.
SHELLS = {"bash": ["/usr/bin/bash", "--noprofile", "--norc", "-c"], "zsh": ["/usr/bin/zsh", "-f", "-c"]}
DOCUMENTED_URL = "http://127.0.0.1:8000"
READY_TO_PASTE = "\n## Every example, ready to paste\n"
HEREDOC = re.compile(r"\A(se_example <<'EOF'\n)(.*\n)(EOF\n)\Z", re.DOTALL)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, in order; a body keeps its trailing spaces."""
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def reference_examples() -> list[str]:
    """The reference's curl examples exactly as printed: from a line starting `curl` to the blank line."""
    if not REFERENCE.exists():
        pytest.skip(f"the API reference is not beside the checkout: {REFERENCE}")
    return re.findall(r"^(curl .*?\n)\n", REFERENCE.read_text(), re.MULTILINE | re.DOTALL)


PAGE_TEXT = PAGE.read_text()
SETUP_TEXT, _, EXAMPLES_TEXT = PAGE_TEXT.partition(READY_TO_PASTE)
SERVE, EXPORT, FUNCTION, AS_PRINTED, AS_PRINTED_ANSWER = fenced_blocks(SETUP_TEXT)
FIXED = fenced_blocks(EXAMPLES_TEXT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("curl-examples-server")) as running:
        yield running


@pytest.fixture
def fresh(server: Server) -> Server:
    """The server back at its fixture state: each test runs the write examples from the start."""
    response = httpx.post(f"{server.url}/_fake/reset", trust_env=False)
    assert response.status_code == 204, response.text
    return server


def shell_session(server: Server) -> str:
    """What the user pastes before any example: the SE/KEY line (with the test server's port)
    and the function definition."""
    language, export = EXPORT
    assert language == "sh" and export.count(DOCUMENTED_URL) == 1, export
    return export.replace(DOCUMENTED_URL, server.url) + FUNCTION[1]


@pytest.fixture(params=list(SHELLS))
def shell(request: pytest.FixtureRequest) -> list[str]:
    command = SHELLS[request.param]
    if request.param != "bash" and not Path(command[0]).exists():
        pytest.skip(f"{command[0]} is not installed")
    return command


def run_in_shell(shell: list[str], server: Server, commands: str, home: Path) -> str:
    # A bare environment: no proxy variables, no SE or KEY of the developer's, no rc files.
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    completed = subprocess.run(
        [*shell, shell_session(server) + commands],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert completed.returncode == 0, f"{commands}\nexit {completed.returncode}: {completed.stderr}"
    return completed.stdout


def test_page_starts_the_server_the_tests_start() -> None:
    assert SERVE == ("sh", "fake-smartengage serve\n")
    assert EXPORT[1] == f"export SE={DOCUMENTED_URL} KEY=se_k73DUceVnvRCusWxDN2qQQ1a\n"
    assert FUNCTION[0] == "sh" and "se_example()" in FUNCTION[1]


def test_page_shows_the_reference_authentication_example_as_printed() -> None:
    # The hard case (the line ending in backslash, space) is the one the page demonstrates.
    language, block = AS_PRINTED
    match = HEREDOC.match(block)
    assert language == "sh" and match, block
    assert match.group(2) == reference_examples()[0]
    assert match.group(2).splitlines()[0].endswith("\\ ")


def test_page_has_one_fixed_example_per_reference_example() -> None:
    languages = [language for language, _ in FIXED]
    assert languages == ["sh", "json"] * len(reference_examples())
    for reference, (_, fixed) in zip(reference_examples(), FIXED[::2], strict=True):
        # The same request: the same operation, in the same order as the reference.
        assert re.search(r"smartengage\.com(/\S*)", reference)[1].rstrip("\\") in fixed


def test_reference_examples_as_printed_run_through_the_page_function(
    shell: list[str], fresh: Server, tmp_path: Path
) -> None:
    template = HEREDOC.match(AS_PRINTED[1])
    answers = [answer for _, answer in FIXED[1::2]]
    assert ("json", answers[0]) == AS_PRINTED_ANSWER
    for example, answer in zip(reference_examples(), answers, strict=True):
        output = run_in_shell(shell, fresh, template.group(1) + example + template.group(3), tmp_path)
        assert output + "\n" == answer, f"as printed:\n{example}"


def test_fixed_examples_answer_what_the_page_shows(shell: list[str], fresh: Server, tmp_path: Path) -> None:
    for (_, example), (_, answer) in zip(FIXED[::2], FIXED[1::2], strict=True):
        output = run_in_shell(shell, fresh, example, tmp_path)
        assert output + "\n" == answer, f"ready to paste:\n{example}"


def test_reset_line_of_the_page_restores_the_fixture(fresh: Server, tmp_path: Path) -> None:
    # The page says how to start the write examples again; after the last write example, that
    # line must bring subscriber 1 back to what the first write example answers.
    reset = re.search(r"`(curl -X POST \$SE/_fake/reset)`", EXAMPLES_TEXT)
    assert reset, "the page no longer says how to reset"
    examples = [example for _, example in FIXED[::2]]
    answers = [answer for _, answer in FIXED[1::2]]
    add_tag = next(i for i, example in enumerate(examples) if "/tags/add" in example)
    bash = SHELLS["bash"]
    run_in_shell(bash, fresh, "".join(examples), tmp_path)
    assert run_in_shell(bash, fresh, reset[1] + "\n" + examples[add_tag], tmp_path) + "\n" == answers[add_tag]
