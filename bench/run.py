"""Benchmark fake-smartengage against the ceiling of a bare Starlette app, and print one table.

    make bench            (or: .venv/bin/python bench/run.py [--duration 5] [--output bench/RESULTS.md])

Every server is started here on 127.0.0.1 with its request log silenced, and driven by wrk from
another process for a bounded time. Throughput passes are interleaved ceiling, fake, ceiling, and
each ratio is taken against the mean of the two ceiling passes: absolute numbers drift on a
shared machine, ratios hold.
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEY = "se_k73DUceVnvRCusWxDN2qQQ1a"
AUTH = {"Authorization": f"Bearer {KEY}"}
CONNECTIONS = 16
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    body: str = ""  # a Lua expression for the request body ("" for none)
    kind: str = "read"


# Lua: `n` counts requests in the wrk thread, so every subscribers/add brings a new email.
SCENARIOS = [
    Scenario("GET /avatars/list", "GET", "/avatars/list"),
    Scenario("GET /tags/list/?avatar_id=1", "GET", "/tags/list/?avatar_id=1"),
    Scenario(
        "POST /subscribers/add (new email)",
        "POST",
        "/subscribers/add",
        '"avatar_id=123&tags[]=123&email=b" .. seed .. "-" .. n .. "%40example.com"',
        "write",
    ),
    Scenario("POST /tags/add", "POST", "/tags/add", '"avatar_id=123&subscriber_id=1&tag=123"', "write"),
]
MIXED = [
    ("GET", "/avatars/list", ""),
    ("GET", "/tags/list/?avatar_id=123", ""),
    ("POST", "/subscribers/add", '"avatar_id=123&email=m" .. seed .. "-" .. n .. "%40example.com"'),
    ("POST", "/tags/add", '"avatar_id=123&subscriber_id=1&tag=124"'),
    ("POST", "/customfields/update", '"avatar_id=123&subscriber_id=1&field=123&value=v" .. n'),
    ("POST", "/sequences/add", '"avatar_id=123&subscriber_id=1&sequence=1"'),
]


def lua_script(requests: list[tuple[str, str, str]]) -> str:
    """A wrk script cycling through (method, path, body expression)."""
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

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def wait_healthy(url: str, process: subprocess.Popen, deadline_s: float = 120.0) -> None:
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
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    running = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_healthy(running.url, process)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=10)


def fake(*args: str) -> list[str]:
    return [str(BIN / "fake-smartengage"), "serve", "--log-level", "warning", *args]


def ceiling(bodies: Path) -> tuple[list[str], dict[str, str]]:
    command = [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "bench"),
        "ceiling:app",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return command, {"CEILING_BODIES": str(bodies)}


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, duration: int) -> Load:
    # One wrk thread leaves the other core to the server: one uvicorn worker is what is measured.
    output = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "-s", str(script), url],
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


def median_ms(call, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def startup_s(runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen([*fake(), "--port", str(port)], stdout=subprocess.DEVNULL, cwd=ROOT)
        wait_healthy(f"http://127.0.0.1:{port}", process)
        samples.append(time.perf_counter() - started)
        process.terminate()
        process.wait(timeout=10)
    return statistics.median(samples)


def subscriber_fixture(path: Path, subscribers: int) -> Path:
    """The default fixture with `subscribers` more subscribers in avatar 123, each tagged and with a value."""
    document = json.loads((ROOT / "fixtures" / "default.json").read_text())
    avatar = document["accounts"][0]["avatars"][3]
    avatar["subscribers"] += [
        {
            "id": i,
            "email": f"s{i}@example.com",
            "full_name": f"Subscriber {i}",
            "tags": [123],
            "custom_fields": [{"custom_field_id": 111, "custom_value": "US"}],
        }
        for i in range(subscribers + 1, 1, -1)
    ]
    path.write_text(json.dumps(document))
    return path


def tenant_timings(url: str, times: int) -> tuple[float, float]:
    """Median ms of POST /_fake/tenants and of POST /_fake/reset?api_key=, over HTTP."""
    with httpx.Client(base_url=url, trust_env=False, timeout=60) as client:
        keys: list[str] = []
        new = median_ms(lambda: keys.append(client.post("/_fake/tenants").json()["api_key"]), times)
        reset = median_ms(lambda: client.post("/_fake/reset", params={"api_key": keys[0]}).raise_for_status(), times)
    return new, reset


def whole_reset_ms(url: str, times: int) -> float:
    with httpx.Client(base_url=url, trust_env=False, timeout=60) as client:
        return median_ms(lambda: client.post("/_fake/reset").raise_for_status(), times)


FIXTURE_SUITE = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_generated(smartengage{server}, n):
    assert {client}.get("/avatars/list").status_code == 200
"""


def fixture_cost_ms(work: Path, tests: int = 500) -> float:
    """Per test, what the `smartengage` fixture (a fresh tenant, dropped after) adds to a suite
    of `tests` tests making one call each, over the same suite on one shared session server."""
    variants = {
        "with": {"server": "", "client": "smartengage.client"},
        "without": {"server": "_server, shared_client", "client": "shared_client"},
    }
    conftest = (
        "import pytest\n\n@pytest.fixture(scope='session')\ndef shared_client(smartengage_server):\n"
        f"    return smartengage_server.client({KEY!r})\n"
    )
    seconds = {}
    for name, names in variants.items():
        folder = work / f"suite-{name}"
        folder.mkdir()
        (folder / "conftest.py").write_text(conftest)
        (folder / "test_generated.py").write_text(FIXTURE_SUITE.format(tests=tests, **names))
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
            check=True,
            capture_output=True,
            cwd=folder,
        )
        seconds[name] = time.perf_counter() - started
    return (seconds["with"] - seconds["without"]) / tests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk pass (default 5)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    work = Path(tempfile.mkdtemp(prefix="fake-smartengage-bench-"))
    rows: list[tuple[str, str, str, str]] = []

    def row(figure: str, value: str, ratio: str = "", target: str = "") -> None:
        rows.append((figure, value, ratio, target))
        print(f"  {figure}: {value} {ratio}", file=sys.stderr, flush=True)

    print("start-up…", file=sys.stderr)
    row("start-up to healthy (median of 7)", f"{startup_s() * 1000:.0f} ms", "", "< 600 ms")

    scripts = {s.name: work / f"{i}.lua" for i, s in enumerate(SCENARIOS)}
    for scenario in SCENARIOS:
        scripts[scenario.name].write_text(lua_script([(scenario.method, scenario.path, scenario.body)]))
    mixed_script = work / "mixed.lua"
    mixed_script.write_text(lua_script(MIXED))

    bodies = work / "bodies.json"
    with server(fake()) as running, httpx.Client(base_url=running.url, headers=AUTH, trust_env=False) as client:
        answers = {}
        for method, path, _ in [(s.method, s.path, s.body) for s in SCENARIOS] + MIXED:
            data = {
                "avatar_id": "123",
                "subscriber_id": "1",
                "email": "x@example.com",
                "tag": "123",
                "field": "123",
                "value": "v",
                "sequence": "1",
            }
            response = client.request(method, path, data=data if method == "POST" else None)
            answers[path.split("?")[0]] = response.text
        bodies.write_text(json.dumps(answers))

    ceiling_command, ceiling_env = ceiling(bodies)
    for name, script, kind in [(s.name, scripts[s.name], s.kind) for s in SCENARIOS] + [
        ("mixed workload", mixed_script, "mixed")
    ]:
        print(f"{name}…", file=sys.stderr)
        path = "/"
        loads = {}
        for label in ("ceiling 1", "fake", "ceiling 2"):
            command, env = (ceiling_command, ceiling_env) if label.startswith("ceiling") else (fake(), None)
            with server(command, env) as running:
                loads[label] = wrk(running.url + path, script, args.duration)
        ceiling_rps = (loads["ceiling 1"].rps + loads["ceiling 2"].rps) / 2
        ratio = loads["fake"].rps / ceiling_rps
        target = {"read": "≥ 0.60", "write": "≥ 0.40", "mixed": ""}[kind]
        row(f"{name}: req/s", f"{loads['fake'].rps:,.0f} (ceiling {ceiling_rps:,.0f})", f"{ratio:.2f}x", target)
        row(f"{name}: p50 / p99", f"{loads['fake'].p50_ms:.2f} / {loads['fake'].p99_ms:.2f} ms", "", "p99 < 10 ms")

    print("reset and new tenant…", file=sys.stderr)
    with server(fake()) as running:
        new, reset = tenant_timings(running.url, 50)
        row("new tenant, default fixture (median, over HTTP)", f"{new:.2f} ms", "", "< 5 ms")
        row("reset one tenant, default fixture", f"{reset:.2f} ms", "", "< 5 ms")
        row("reset whole server, default fixture", f"{whole_reset_ms(running.url, 50):.2f} ms", "", "< 5 ms")
        row("resident memory, default fixture", f"{running.rss_mb():.0f} MB", "", "< 80 MB")
    with server(fake("--fixtures", str(subscriber_fixture(work / "10k.json", 10_000)))) as running:
        new, reset = tenant_timings(running.url, 10)
        row("new tenant, 10,000 subscribers", f"{new:.2f} ms")
        row("reset one tenant, 10,000 subscribers", f"{reset:.2f} ms")
        row("reset whole server, 10,000 subscribers", f"{whole_reset_ms(running.url, 10):.2f} ms")

    print("pytest fixture…", file=sys.stderr)
    row("`smartengage` fixture, cost per test (500-test suite)", f"{fixture_cost_ms(work):.2f} ms", "", "< 5 ms")

    print("size…", file=sys.stderr)
    # Interleaved like the ceiling passes (small, large, small, large): one pass each drifts.
    tag_script = scripts["POST /tags/add"]
    fixtures = {count: subscriber_fixture(work / f"{count}.json", count) for count in (10, 100_000)}
    passes: dict[int, list[Load]] = {10: [], 100_000: []}
    for count in (10, 100_000, 10, 100_000):
        with server(fake("--fixtures", str(fixtures[count]))) as running:
            passes[count].append(wrk(running.url + "/", tag_script, args.duration))
            rss = running.rss_mb()
    for count, loads in passes.items():
        p50, p99 = (statistics.mean(getattr(load, name) for load in loads) for name in ("p50_ms", "p99_ms"))
        rps = statistics.mean(load.rps for load in loads)
        row(
            f"POST /tags/add with {count:,} subscribers: p50 / p99 (mean of 2)",
            f"{p50:.2f} / {p99:.2f} ms",
            f"{rps:,.0f} req/s",
            "flat",
        )
    row("resident memory, 100,000 subscribers", f"{rss:.0f} MB", "", "< 300 MB")

    shutil.rmtree(work, ignore_errors=True)
    report(rows, args)


def report(rows: list[tuple[str, str, str, str]], args: argparse.Namespace) -> None:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    table = ["| Figure | Value | Ratio / rate | Target |", "| --- | --- | --- | --- |"]
    table += [f"| {figure} | {value} | {ratio} | {target} |" for figure, value, ratio, target in rows]
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Command: `make bench` (`bench/run.py --duration {args.duration}`), "
            f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            f"Machine: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}; "
            f"one uvicorn worker, wrk with 1 thread and {CONNECTIONS} connections, {args.duration} s per pass.",
            "Ratios are against a bare Starlette app on the same uvicorn settings answering the same JSON,",
            "measured before and after the fake (the mean of the two passes).",
            "",
            *table,
            "",
        ]
    )
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
