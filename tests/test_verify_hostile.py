"""`verify` against servers that are not SmartEngage: whatever they answer, it ends with its count
line and exit 0 or 1, or one line and exit 2; never a traceback."""

import argparse
import io
import json
import re
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fake_smartengage.checking import commands
from fake_smartengage.checking.remote import MAX_BODY_BYTES
from fake_smartengage.cli import _parser
from hostile import Answer, Hostile, hostile_server
from processes import SCRIPT, server_env

KEY = "se_hostile_test_key"
COUNT_LINE = re.compile(r"^(\d+) passed, (\d+) diverged, (\d+) skipped$")
AVATARS = [{"brand_name": "B", "avatar_id": "7", "brand_image": None, "user_role": "2", "facebook_page_id": None}]
ROUTES = ("avatars/list", "tags/list", "customfields/list", "sequences/list", "subscribers/add", "*")

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_bodies = st.one_of(
    _json_values.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b'{"error": "not found"}',
            b'{"error": {"type": "invalid_request_error", "message": "Nope", "param": "avatar_id"}}',
            b"<html><body><h1>404 Not Found</h1></body></html>",
            json.dumps(AVATARS).encode(),
            b'[{"tag_id": "1", "tag_name": "a"}]',
            b"[]",
            b"[" * 5000,
            b"",
        ]
    ),
    st.binary(max_size=40),
)
_http_answers = st.one_of(
    st.builds(
        Answer,
        status=st.sampled_from([200, 201, 204, 400, 401, 403, 404, 405, 409, 500, 502]),
        content_type=st.sampled_from(["application/json", "text/html; charset=utf-8", "text/plain", None]),
        body=_bodies,
    ),
    st.builds(
        Answer,
        status=st.sampled_from([301, 302, 307]),
        headers=st.sampled_from([(("Location", "/elsewhere"),), (("Location", "http://127.0.0.1:9/"),), ()]),
    ),
    st.just(Answer(429, headers=(("Retry-After", "0"),))),
)
_faults = st.sampled_from([Answer(fault="reset"), Answer(fault="hang")])
# A fault ends the run (exit 2): one answer in twenty, so that most runs get to the count line.
_answers = st.integers(0, 19).flatmap(lambda draw: _faults if draw == 0 else _http_answers)
# The avatars list is often the real shape, so that verify goes on to the other routes.
_avatar_answers = st.one_of(st.just(Answer(body=json.dumps(AVATARS).encode())), _answers)


def run_verify(base_url: str, *args: str) -> tuple[int, str, str]:
    """The verify command, in this process: its status, output and errors."""
    parsed: argparse.Namespace = _parser().parse_args(
        ["verify", "--base-url", base_url, "--api-key", KEY, "--timeout", "0.5", *args]
    )
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = commands.verify(parsed)
    return status, out.getvalue(), err.getvalue()


def assert_ends_well(status: int, stdout: str, stderr: str) -> None:
    if status == 2:
        assert stdout == ""
        assert stderr.startswith("fake-smartengage: ") and stderr.count("\n") == 1, stderr
        return
    assert stderr == ""
    counts = COUNT_LINE.match(stdout.splitlines()[-1])
    assert counts, stdout
    assert status == (1 if int(counts[2]) else 0)


@settings(max_examples=30, deadline=None)
@given(
    avatars=st.lists(_avatar_answers, min_size=1, max_size=3),
    others=st.fixed_dictionaries({route: st.lists(_answers, min_size=1, max_size=3) for route in ROUTES[1:]}),
    writes=st.booleans(),
)
def test_verify_ends_with_its_count_line_or_one_line_whatever_the_server_answers(avatars, others, writes):
    hostile = Hostile({"avatars/list": avatars, **others})
    with hostile_server(hostile) as url:
        status, stdout, stderr = run_verify(url, *(["--avatar-id", "7", "--writes"] if writes else []))
    assert_ends_well(status, stdout, stderr)


def test_a_server_that_is_not_the_api_is_exit_2_saying_so():
    html = Answer(404, "text/html", b"<html><body>Not Found</body></html>")
    for answer in (html, Answer(200, "text/html", b"<!DOCTYPE html><title>Directory listing</title>")):
        with hostile_server(Hostile({"*": [answer]})) as url:
            status, stdout, stderr = run_verify(url)
        assert status == 2 and stdout == ""
        assert stderr.startswith(
            f"fake-smartengage: this does not answer like the SmartEngage API: {url}/avatars/list answered"
        )


def test_auth_checks_pass_only_on_a_refusal():
    avatars = Answer(body=json.dumps(AVATARS).encode())
    html = Answer(404, "text/html", b"<html>Not Found</html>")
    # The avatars list answers the key, then a 404 page to each request without it.
    with hostile_server(Hostile({"avatars/list": [avatars, html], "*": [html]})) as url:
        status, stdout, _ = run_verify(url, "--json", "/dev/null")
    assert status == 1
    refused = [line for line in stdout.splitlines() if re.match(r"^\w+ +auth-.*-refused", line)]
    assert len(refused) == 3 and all(line.startswith("DIVERGES") for line in refused), stdout


def test_a_body_over_the_limit_is_one_line():
    endless = Answer(content_type="application/json", fault="endless")
    with hostile_server(Hostile({"*": [endless]})) as url:
        status, _, stderr = run_verify(url)
    assert status == 2
    assert stderr == f"fake-smartengage: {url}/avatars/list answered more than {MAX_BODY_BYTES} bytes\n"


def test_a_hang_past_the_timeout_is_one_line():
    with hostile_server(Hostile({"*": [Answer(fault="hang")]})) as url:
        status, _, stderr = run_verify(url)
    assert (status, stderr) == (2, f"fake-smartengage: cannot reach {url}/avatars/list: timed out\n")


def test_string_error_bodies_with_writes_end_in_a_count_line_not_a_traceback(tmp_path: Path):
    # The server of the issue: errors are {"error": "not found"}, a shape many PHP APIs use.
    avatars = Answer(body=json.dumps(AVATARS).encode())
    error = Answer(404, body=b'{"error": "not found"}')
    with hostile_server(Hostile({"avatars/list": [avatars], "*": [error]})) as url:
        done = subprocess.run(
            [str(SCRIPT), "verify", "--base-url", url, "--avatar-id", "7", "--writes", "--timeout", "2"],
            capture_output=True,
            text=True,
            env={**server_env(), "SMARTENGAGE_API_KEY": KEY},
            timeout=60,
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    assert COUNT_LINE.match(done.stdout.splitlines()[-1])
    assert "status 404 (not found)" in done.stdout
