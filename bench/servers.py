"""The servers a benchmark starts, and wrk driving them.

Every server is started here on 127.0.0.1 with its request log silenced, on the same uvicorn
settings: the fake through `fake-smartengage serve`, the ceiling and the write floor
(`ceiling.py`) through `python -m uvicorn`, all on uvicorn's default event loop and HTTP parser,
which are uvloop and httptools when they are installed.
"""

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEY = "se_k73DUceVnvRCusWxDN2qQQ1a"
AUTH = {"Authorization": f"Bearer {KEY}"}
FORM = "application/x-www-form-urlencoded"


def lua_script(requests: list[tuple[str, str, str]]) -> str:
    """A wrk script cycling through (method, path, body expression); `n` counts requests in the
    wrk thread and `seed` differs per run, so a body can bring a new email each time."""
    lines = [
        "n = 0",
        "seed = tostring(math.random(1, 1000000000))",
        f'headers = {{["Authorization"] = "Bearer {KEY}", ["Content-Type"] = "{FORM}"}}',
        "request = function()",
        "  n = n + 1",
        f"  local i = n % {len(requests)}",
    ]
    for index, (method, path, body) in enumerate(requests):
        call = f"wrk.format({json.dumps(method)}, {json.dumps(path)}, headers, {body or 'nil'})"
        lines.append(f"  if i == {index} then return {call} end")
    lines.append("end")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    ready_s: float = 0.0  # from starting the process to its first healthy answer

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def wait_healthy(url: str, process: subprocess.Popen, deadline_s: float = 600.0) -> None:
    deadline = time.monotonic() + deadline_s
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"server exited with {process.returncode} before it was ready")
            try:
                if client.get(f"{url}/_fake/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.001)
    raise SystemExit(f"{url} was not healthy within {deadline_s} s")


@contextmanager
def server(command: list[str], env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    running = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_healthy(running.url, process)
        running.ready_s = time.perf_counter() - started
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


def fake(*args: str) -> list[str]:
    return [str(BIN / "fake-smartengage"), "serve", "--log-level", "warning", *args]


def ceiling(bodies: Path, app: str = "app") -> tuple[list[str], dict[str, str]]:
    """The command and environment of the ceiling (or, with app="write_floor", the write floor),
    answering with the JSON in `bodies`."""
    command = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "bench"),
        f"ceiling:{app}",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return command, {"CEILING_BODIES": str(bodies)}


def stack() -> str:
    """The event loop and HTTP parser uvicorn picks by default here."""
    names = []
    for fast, fallback in (("uvloop", "asyncio"), ("httptools", "h11")):
        try:
            __import__(fast)
            names.append(fast)
        except ImportError:
            names.append(fallback)
    return "+".join(names)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def mean_load(passes: list[Load]) -> Load:
    return Load(*(statistics.mean(getattr(load, name) for load in passes) for name in ("rps", "p50_ms", "p99_ms")))


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, duration: float, connections: int) -> Load:
    # One wrk thread leaves the other core to the server: one uvicorn worker is what is measured.
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors against {url}:\n{output}")
    try:
        return Load(
            rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
            p50_ms=_ms(re.search(r"\s50%\s+(\S+)", output)[1]),
            p99_ms=_ms(re.search(r"\s99%\s+(\S+)", output)[1]),
        )
    except (TypeError, AttributeError):
        raise SystemExit(f"cannot read wrk's output:\n{output}") from None


def median_ms(call: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def subscriber_fixture(path: Path, subscribers: int) -> Path:
    """The default fixture with `subscribers` more subscribers in avatar 123, each tagged and with a
    value; written in pieces, so that a million subscribers never sit in this process as objects."""
    document = json.loads((ROOT / "fixtures" / "default.json").read_text())
    avatar = document["accounts"][0]["avatars"][3]
    head, tail = json.dumps(document).split(json.dumps(avatar["subscribers"]), 1)
    with path.open("w") as out:
        out.write(head + "[" + ", ".join(json.dumps(s) for s in avatar["subscribers"]))
        for i in range(subscribers + 1, 1, -1):
            out.write(
                f', {{"id": {i}, "email": "s{i}@example.com", "full_name": "Subscriber {i}", "tags": [123], '
                '"custom_fields": [{"custom_field_id": 111, "custom_value": "US"}]}'
            )
        out.write("]" + tail)
    return path
