"""The command line: flags, their environment variables, and refusing bad fixtures."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fake_smartengage import __version__
from fake_smartengage.cli import main, parse_args
from fake_smartengage.serving import listening_socket
from fake_smartengage.settings import Settings, bundled_fixtures


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
    monkeypatch.setenv("FAKE_SMARTENGAGE_DB", str(tmp_path / "state.db"))
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
    assert parse_args(["serve"])[1] == Settings(
        host="0.0.0.0",
        port=9001,
        fixtures=(tmp_path / "a.json", tmp_path / "more"),
        db=tmp_path / "state.db",
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
    assert f"http://127.0.0.1:{port}/_fake/health is not healthy" in capsys.readouterr().err


def test_invalid_flag_values_are_usage_errors(capsys):
    for argv in (["serve", "--rate-limit", "fast"], ["serve", "--journal-size", "0"], ["serve", "--duplicates", "x"]):
        with pytest.raises(SystemExit) as exited:
            parse_args(argv)
        assert exited.value.code == 2
    assert "invalid" in capsys.readouterr().err


def test_listening_socket_lets_asyncio_disable_nagle():
    # asyncio sets TCP_NODELAY on accepted connections only when the listener says IPPROTO_TCP.
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[1] > 0
