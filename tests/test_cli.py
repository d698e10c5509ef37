"""The command line: flags, their environment variables, and refusing bad fixtures."""

import ast
import re
import socket
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest

from fake_smartengage import __version__
from fake_smartengage.cli import main, parse_args
from fake_smartengage.options import OPTIONS
from fake_smartengage.serving import listening_socket
from fake_smartengage.settings import Settings, bundled_fixtures
from processes import SCRIPT, server_env


def test_defaults_serve_the_bundled_fixtures_on_localhost(monkeypatch):
    for name in (
        "HOST",
        "PORT",
        "FIXTURES",
        "DB",
        "LOG_LEVEL",
        "DUPLICATES",
        "ADMIN_TOKEN",
        "RATE_LIMIT",
        "JOURNAL_SIZE",
        "PORT_FILE",
        "SSL_CERTFILE",
        "SSL_KEYFILE",
    ):
        monkeypatch.delenv(f"FAKE_SMARTENGAGE_{name}", raising=False)
    assert parse_args(["serve"]) == ("serve", Settings())
    assert Settings().fixtures == (bundled_fixtures(),)
    assert Settings().host == "127.0.0.1"


def test_every_option_reads_its_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_SMARTENGAGE_HOST", "0.0.0.0")
    monkeypatch.setenv("FAKE_SMARTENGAGE_PORT", "9001")
    monkeypatch.setenv("FAKE_SMARTENGAGE_FIXTURES", f"{tmp_path / 'a.json'}:{tmp_path / 'more'}")
    monkeypatch.setenv("FAKE_SMARTENGAGE_DB", str(tmp_path / "state"))
    monkeypatch.setenv("FAKE_SMARTENGAGE_LOG_LEVEL", "warning")
    monkeypatch.setenv("FAKE_SMARTENGAGE_DUPLICATES", "conflict")
    monkeypatch.setenv("FAKE_SMARTENGAGE_SSL_CERTFILE", "cert.pem")
    monkeypatch.setenv("FAKE_SMARTENGAGE_SSL_KEYFILE", "key.pem")
    monkeypatch.setenv("FAKE_SMARTENGAGE_ADMIN_TOKEN", "token")
    monkeypatch.setenv("FAKE_SMARTENGAGE_RATE_LIMIT", "10/s")
    monkeypatch.setenv("FAKE_SMARTENGAGE_JOURNAL_SIZE", "50")
    monkeypatch.setenv("FAKE_SMARTENGAGE_JOURNAL_ENTRY_BYTES", "4096")
    monkeypatch.setenv("FAKE_SMARTENGAGE_JOURNAL_BYTES", "1000000")
    monkeypatch.setenv("FAKE_SMARTENGAGE_LOOP", "asyncio")
    monkeypatch.setenv("FAKE_SMARTENGAGE_HTTP", "h11")
    monkeypatch.setenv("FAKE_SMARTENGAGE_PORT_FILE", str(tmp_path / "port"))
    (tmp_path / "profile.json").write_text('{"check_order": "key-first"}')
    monkeypatch.setenv("FAKE_SMARTENGAGE_PROFILE", str(tmp_path / "profile.json"))
    assert parse_args(["serve"])[1] == Settings(
        profile={"check_order": "key-first"},
        host="0.0.0.0",
        port=9001,
        fixtures=(tmp_path / "a.json", tmp_path / "more"),
        db=tmp_path / "state",
        log_level="warning",
        duplicates="conflict",
        ssl_certfile=Path("cert.pem"),
        ssl_keyfile=Path("key.pem"),
        admin_token="token",
        rate_limit="10/s",
        journal_size=50,
        journal_entry_bytes=4096,
        journal_bytes=1_000_000,
        loop="asyncio",
        http="h11",
        port_file=tmp_path / "port",
    )


def test_flags_win_over_environment(monkeypatch):
    monkeypatch.setenv("FAKE_SMARTENGAGE_PORT", "9001")
    monkeypatch.setenv("FAKE_SMARTENGAGE_FIXTURES", "from-env.json")
    _, settings = parse_args(["serve", "--port", "9002", "--fixtures", "a.json", "--fixtures", "b"])
    assert settings.port == 9002
    assert settings.fixtures == (Path("a.json"), Path("b"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("LOG_LEVEL", "loud"),
        ("DUPLICATES", "maybe"),
        ("RATE_LIMIT", "fast"),
        ("JOURNAL_SIZE", "0"),
        ("JOURNAL_BYTES", "0"),
        ("HTTP", "h2"),
    ],
)
def test_invalid_environment_value_is_a_usage_error(monkeypatch, capsys, name, value):
    monkeypatch.setenv(f"FAKE_SMARTENGAGE_{name}", value)
    with pytest.raises(SystemExit) as exited:
        parse_args(["serve"])
    assert exited.value.code == 2
    assert f"FAKE_SMARTENGAGE_{name}" in capsys.readouterr().err


def test_broken_fixture_exits_2_with_the_reason(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"accounts": [{"api_key": "k", "avatars": [{"avatar_id": -1}]}]}')
    assert main(["serve", "--fixtures", str(broken)]) == 2
    error = capsys.readouterr().err
    assert f"{broken}: accounts[0].avatars[0].avatar_id" in error


def test_module_entry_point_prints_the_version():
    completed = subprocess.run([sys.executable, "-m", "fake_smartengage", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"fake-smartengage {__version__}"


def test_healthcheck_reads_the_same_host_and_port_settings(monkeypatch):
    monkeypatch.setenv("FAKE_SMARTENGAGE_HOST", "0.0.0.0")
    monkeypatch.setenv("FAKE_SMARTENGAGE_PORT", "9003")
    command, settings = parse_args(["healthcheck"])
    assert command == "healthcheck"
    assert settings.local_url == "http://127.0.0.1:9003"


def test_healthcheck_fails_when_nothing_answers(capsys):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert main(["healthcheck", "--port", str(port)]) == 1
    error = capsys.readouterr().err
    assert error == f"fake-smartengage: no server answers at http://127.0.0.1:{port}/_fake/health: connection refused\n"


def _usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [
        ("--port", "eighty", "a port is a whole number from 0 to 65535 (0: any free port)"),
        ("--port", "70000", "a port is a whole number from 0 to 65535 (0: any free port)"),
        ("--rate-limit", "10", "write N/s, N/m or N/h, e.g. 10/s, or off"),
        ("--journal-size", "0", "write a whole number of at least 1"),
        ("--max-body-bytes", "1k", "write a whole number of at least 1"),
        ("--max-harness-body-bytes", "-5", "write a whole number of at least 1"),
        ("--duplicates", "maybe", "choose from update, conflict, create"),
        ("--profile", "/nonexistent/profile.json", "cannot read the profile: No such file or directory"),
        ("--log-level", "loud", "choose from critical, error, warning, info, debug"),
    ],
)
def test_invalid_flag_and_its_variable_give_the_same_reason(monkeypatch, capsys, flag, value, reason):
    env = "FAKE_SMARTENGAGE_" + flag[2:].replace("-", "_").upper()
    monkeypatch.delenv(env, raising=False)
    by_flag = _usage_error(capsys, ["serve", flag, value])
    monkeypatch.setenv(env, value)
    by_variable = _usage_error(capsys, ["serve"])
    assert f"argument {flag}: invalid value {value!r}: {reason}" in by_flag
    assert f"{env}: invalid value {value!r}: {reason}" in by_variable
    assert "_rate" not in by_flag and "_positive" not in by_flag


@pytest.mark.parametrize("command", ["serve", "healthcheck"])
def test_a_misspelt_flag_names_the_closest_one(capsys, command):
    error = _usage_error(capsys, [command, "--prot", "8000", "--ssl-certfiel=cert.pem", "--zzz"])
    given = "--prot 8000 --ssl-certfiel=cert.pem --zzz"
    assert f"fake-smartengage {command}: error: unrecognized arguments: {given}; " in error
    assert error.endswith("; --prot: did you mean --port?; --ssl-certfiel: did you mean --ssl-certfile?\n")


def test_empty_admin_token_is_refused(capsys):
    # An empty token would let through any request that sends none.
    assert "argument --admin-token: invalid value '': must not be empty" in _usage_error(
        capsys, ["serve", "--admin-token", ""]
    )


def test_a_key_file_without_a_certificate_is_refused(capsys):
    assert "--ssl-keyfile needs --ssl-certfile" in _usage_error(capsys, ["serve", "--ssl-keyfile", "key.pem"])


def test_help_shows_every_option_under_its_theme(capsys):
    with pytest.raises(SystemExit):
        parse_args(["serve", "--help"])
    shown = capsys.readouterr().out
    themes = [
        ("where it listens:", ["--host", "--port", "--port-file"]),
        ("https:", ["--ssl-certfile", "--ssl-keyfile"]),
        ("state and fixtures:", ["--fixtures", "--db"]),
        ("how the API behaves:", ["--profile", "--duplicates", "--rate-limit", "--max-body-bytes", "--cors-origin"]),
        (
            "the test harness (/_fake/):",
            ["--admin-token", "--journal-size", "--journal-entry-bytes", "--journal-bytes", "--max-harness-body-bytes"],
        ),
        ("checking against the real service:", ["--upstream", "--upstream-timeout"]),
        ("server stack:", ["--loop", "--http"]),
        ("logging:", ["--log-level"]),
    ]
    sections = shown.split("\n\n")
    for heading, flags in themes:
        (section,) = [section for section in sections if section.startswith(heading)]
        assert [line.split()[0] for line in section.splitlines()[1:] if line.startswith("  --")] == flags
    positions = [shown.index(heading) for heading, _ in themes]
    assert positions == sorted(positions)
    assert sorted(flag for _, flags in themes for flag in flags) == sorted(option.flag for option in OPTIONS)
    for option in OPTIONS:
        assert f"[FAKE_SMARTENGAGE_{option.name.upper()}]" in shown


def test_listening_socket_lets_asyncio_disable_nagle():
    # asyncio sets TCP_NODELAY on accepted connections only when the listener says IPPROTO_TCP.
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[1] > 0


def test_healthcheck_imports_only_the_standard_library():
    # A container runs it every few seconds: it must not pay for importing the server's stack.
    code = (
        "import sys; from fake_smartengage.cli import main; main(['healthcheck', '--port', '1']); "
        "print(sorted({name.split('.')[0] for name in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))
    dependencies = {
        re.split(r"[\s<>=!~;\[]", requirement)[0].lower().replace("-", "_")
        for requirement in requires("fake-smartengage") or []
        if "extra ==" not in requirement
    }
    assert "fastapi" in dependencies
    assert imported & dependencies == set()


def _serve_fails(tmp_path: Path, *args: str) -> str:
    completed = subprocess.run(
        [str(SCRIPT), "serve", "--port", "0", *args],
        cwd=tmp_path,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2, completed.stderr
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    return completed.stderr


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--db", "missing/state", "missing/state: cannot create the state folder: no folder missing"),
        ("--db", "not-sqlite.txt", "not-sqlite.txt: --db names a folder (each account is a database file in it)"),
        ("--port-file", "missing/port.txt", "missing/port.txt: cannot write the port file: No such file or directory"),
        ("--port-file", ".", ".: cannot write the port file: it is a folder"),
        ("--ssl-certfile", "missing.pem", "missing.pem: cannot serve https with it: No such file or directory"),
    ],
)
def test_start_up_error_is_one_line_naming_the_path_and_exit_2(tmp_path, option, value, reason):
    (tmp_path / "not-sqlite.txt").write_text("this is not a database\n" * 100)
    error = _serve_fails(tmp_path, option, value)
    assert error.startswith(f"fake-smartengage: {reason}")
    assert list(tmp_path.iterdir()) == [tmp_path / "not-sqlite.txt"]


def test_start_up_error_of_a_variable_is_one_line_too(tmp_path):
    completed = subprocess.run(
        [str(SCRIPT), "serve"],
        # Port 0, as the other start-up tests: a developer's own server may hold 8000.
        env={
            **server_env(),
            "FAKE_SMARTENGAGE_PORT": "0",
            "FAKE_SMARTENGAGE_PORT_FILE": str(tmp_path / "missing" / "port"),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2
    assert (
        completed.stderr
        == f"fake-smartengage: {tmp_path}/missing/port: cannot write the port file: No such file or directory\n"
    )
