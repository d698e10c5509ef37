"""Benchmark fake-smartengage against the ceiling of a bare Starlette app, and print one table.

    make bench            (or: .venv/bin/python bench/run.py [--quick] [--output bench/RESULTS.md])

Every server is started on 127.0.0.1 with its request log silenced (`servers`), and driven by wrk
from another process for a bounded time. Throughput and latency passes are interleaved ceiling,
fake, ceiling (ceiling, write floor, fake, write floor, ceiling for writes: see `ceiling.py`),
and each ratio is taken against the mean of the two ceiling passes: absolute numbers drift on a
shared machine, ratios hold. Beside them: the same test suite run three ways (`suites`), and
state size (`scale`). --quick makes every pass short and the sizes smaller, to
check the machinery in a minute or two; its figures are not the ones to quote.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from container import container_rows
from scale import large_fixture, listing_and_dump_ms, tenant_timings, whole_reset_ms
from servers import AUTH, ROOT, Load, ceiling, fake, lua_script, mean_load, server, stack, subscriber_fixture, wrk
from suites import fixture_cost_ms, per_test_ms

CONNECTIONS = 16


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    body: str = ""  # a Lua expression for the request body ("" for none)
    kind: str = "read"


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
# What one connection feels, a GET and a POST: the latency a test suite sees.
SINGLE = ["GET /avatars/list", "POST /tags/add"]
TARGETS = {"read": "≥ 0.80", "write": "≥ 0.60", "mixed": ""}


@dataclass(frozen=True)
class Sizes:
    """How much each part measures: `make bench`, or --quick for checking the machinery."""

    duration: float  # seconds per wrk pass
    startups: int
    suite_tests: int
    fixture_tests: int
    suite_rounds: int  # each suite runs this many times, in turn with the others
    tenant_seeds: tuple[int, ...]
    large: int  # subscribers in the large fixture
    listed: int  # subscribers behind the listing against the dump (issue 9)


FULL = Sizes(5, 7, 200, 500, 3, (10_000, 100_000), 1_000_000, 20_000)
QUICK = Sizes(1, 3, 30, 50, 1, (10_000,), 20_000, 20_000)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def row(self, figure: str, value: str, ratio: str = "", target: str = "") -> None:
        self.rows.append((figure, value, ratio, target))
        print(f"  {figure}: {value} {ratio}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short passes and smaller sizes, to check the machinery")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    sizes = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="fake-smartengage-bench-"))
    table = Table()

    print("start-up…", file=sys.stderr)
    table.row(
        f"start-up to healthy (median of {sizes.startups})",
        f"{startup_s(sizes.startups) * 1000:.0f} ms",
        "",
        "< 600 ms",
    )

    scripts = {s.name: work / f"{i}.lua" for i, s in enumerate(SCENARIOS)}
    kinds = {s.name: s.kind for s in SCENARIOS}
    for scenario in SCENARIOS:
        scripts[scenario.name].write_text(lua_script([(scenario.method, scenario.path, scenario.body)]))
    mixed_script = work / "mixed.lua"
    mixed_script.write_text(lua_script(MIXED))
    answers = fake_answers()
    bodies = work / "bodies.json"
    bodies.write_text(json.dumps(answers))
    commands = {"ceiling": ceiling(bodies), "write floor": ceiling(bodies, "write_floor"), "fake": (fake(), None)}

    def interleaved(script: Path, connections: int, *, floor: bool) -> dict[str, Load]:
        """The fake between two ceiling passes (and two write floor passes): each one's load,
        as the mean of its passes."""
        around = ["ceiling", "write floor"] if floor else ["ceiling"]
        order = [*around, "fake", *reversed(around)]
        loads: dict[str, list[Load]] = {}
        for label in order:
            command, env = commands[label]
            with server(command, env) as running:
                loads.setdefault(label, []).append(wrk(running.url + "/", script, sizes.duration, connections))
        return {label: mean_load(passes) for label, passes in loads.items()}

    for name, script, kind in [(s.name, scripts[s.name], s.kind) for s in SCENARIOS] + [
        ("mixed workload", mixed_script, "mixed")
    ]:
        print(f"{name}…", file=sys.stderr)
        loads = interleaved(script, CONNECTIONS, floor=kind == "write")
        load, ceiling_rps = loads["fake"], loads["ceiling"].rps
        table.row(
            f"{name}, {CONNECTIONS} connections: req/s",
            f"{load.rps:,.0f} (ceiling {ceiling_rps:,.0f})",
            f"{load.rps / ceiling_rps:.2f}x",
            TARGETS[kind],
        )
        if "write floor" in loads:
            floor_rps = loads["write floor"].rps
            table.row(
                f"{name}, {CONNECTIONS} connections: the write floor's req/s",
                f"{floor_rps:,.0f}",
                f"{floor_rps / ceiling_rps:.2f}x ceiling; the fake {load.rps / floor_rps:.2f}x of it",
            )
        table.row(
            f"{name}, {CONNECTIONS} connections: p50 / p99",
            f"{load.p50_ms:.2f} / {load.p99_ms:.2f} ms",
            "",
            "p99 < 10 ms",
        )
    for name in SINGLE:
        print(f"{name}, 1 connection…", file=sys.stderr)
        writes = kinds[name] == "write"
        loads = interleaved(scripts[name], 1, floor=writes)
        load, top = loads["fake"], loads["ceiling"]
        floor = f"; write floor {loads['write floor'].p50_ms:.2f}" if writes else ""
        table.row(
            f"{name}, 1 connection: p50 / p99",
            f"{load.p50_ms:.2f} / {load.p99_ms:.2f} ms (ceiling {top.p50_ms:.2f} / {top.p99_ms:.2f}{floor})",
            f"p50 {load.p50_ms / top.p50_ms:.2f}x",
            "p50 ≤ 1.5x",
        )

    print("the same tests three ways…", file=sys.stderr)
    medians = per_test_ms(work, answers, sizes.suite_tests, sizes.suite_rounds)
    for way, label in (
        ("tcp", "over TCP (`smartengage` fixture, a tenant per test)"),
        ("asgi", "through the ASGI app (`smartengage_app`, an app per test)"),
        ("respx", "respx canned answers (no state)"),
    ):
        ratio = f"{medians[way] / medians['respx']:.2f}x respx" if way != "respx" else ""
        target = "≤ 2x respx" if way == "tcp" else ""
        table.row(
            f"{sizes.suite_tests} tests of 5 calls, median per test, {label}", f"{medians[way]:.1f} ms", ratio, target
        )
    cost = fixture_cost_ms(work, sizes.fixture_tests, sizes.suite_rounds)
    table.row(
        f"`smartengage` fixture, cost per test ({sizes.fixture_tests}-test suite)", f"{cost:.2f} ms", "", "< 5 ms"
    )

    print("reset and new tenant…", file=sys.stderr)
    with server(fake()) as running:
        new, reset = tenant_timings(running.url, 50)
        table.row("new tenant, default fixture (median, over HTTP)", f"{new:.2f} ms", "", "< 5 ms")
        table.row("reset one tenant, default fixture", f"{reset:.2f} ms", "", "< 5 ms")
        table.row("reset whole server, default fixture", f"{whole_reset_ms(running.url, 50):.2f} ms", "", "< 5 ms")
        table.row("resident memory, default fixture", f"{running.rss_mb():.0f} MB", "", "< 80 MB")
    for count in sizes.tenant_seeds:
        print(f"tenants of {count:,} subscribers…", file=sys.stderr)
        with server(fake("--fixtures", str(subscriber_fixture(work / f"{count}.json", count)))) as running:
            new, reset = tenant_timings(running.url, 10 if count <= 10_000 else 3)
            target = "≤ 10 ms" if count == 10_000 else ""
            table.row(f"new tenant, template of {count:,} subscribers", f"{new:.2f} ms", "", target)
            table.row(f"reset one tenant of {count:,} subscribers", f"{reset:.2f} ms", "", target)

    print(f"listing {sizes.listed:,} subscribers…", file=sys.stderr)
    with server(fake("--fixtures", str(subscriber_fixture(work / "listed.json", sizes.listed)))) as running:
        listing, dump = listing_and_dump_ms(running.url, 5)
        table.row(
            f"GET /_fake/subscribers?api_key= at {sizes.listed:,} subscribers (state dump {dump:.0f} ms)",
            f"{listing:.0f} ms",
            f"{listing / dump:.2f}x the dump",
            "≲ 1x the dump",
        )

    print(f"{sizes.large:,} subscribers…", file=sys.stderr)
    tag_script = scripts["POST /tags/add"]
    small = [large_fixture(work, 10, tag_script, sizes.duration)]
    load_s, rss, large = large_fixture(work, sizes.large, tag_script, sizes.duration)
    small.append(large_fixture(work, 10, tag_script, sizes.duration))
    small_p50 = statistics.mean(load.p50_ms for _, _, load in small)
    table.row(f"{sizes.large:,} subscribers: fixture load, start to healthy", f"{load_s:.1f} s")
    table.row(f"{sizes.large:,} subscribers: resident memory", f"{rss:.0f} MB")
    table.row(
        f"{sizes.large:,} subscribers: POST /tags/add p50, 1 connection",
        f"{large.p50_ms:.2f} ms (10 subscribers: {small_p50:.2f} ms)",
        f"{large.p50_ms / small_p50:.2f}x",
        "flat",
    )

    print("container image…", file=sys.stderr)
    for row in container_rows(3 if args.quick else 10):
        table.row(*row)

    shutil.rmtree(work, ignore_errors=True)
    report(table.rows, args, sizes)


def startup_s(runs: int) -> float:
    samples = []
    for _ in range(runs):
        with server(fake()) as running:
            samples.append(running.ready_s)
    return statistics.median(samples)


def fake_answers() -> dict[str, str]:
    """What the fake answers each benchmarked path, for the ceiling and respx to answer the same."""
    data = {"avatar_id": "123", "subscriber_id": "1", "email": "x@example.com", "tag": "123", "field": "123"}
    requests = [(s.method, s.path) for s in SCENARIOS] + [(method, path) for method, path, _ in MIXED]
    requests.append(("GET", "/tags/list/?avatar_id=123"))
    answers = {}
    with server(fake()) as running, httpx.Client(base_url=running.url, headers=AUTH, trust_env=False) as client:
        for method, path in requests:
            response = client.request(
                method, path, data={**data, "value": "v", "sequence": "1"} if method == "POST" else None
            )
            answers[path.split("?")[0]] = response.text
    return answers


def report(rows: list[tuple[str, str, str, str]], args: argparse.Namespace, sizes: Sizes) -> None:
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
            f"Command: `make bench` (`bench/run.py{' --quick' if args.quick else ''}`), "
            f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            f"Machine: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}; "
            f"one uvicorn worker on {stack()}, wrk with 1 thread, {sizes.duration} s per pass.",
            "Ratios are against a bare Starlette app on the same uvicorn settings answering the same JSON,",
            "measured before and after the fake (the mean of the two passes). The write floor is that app",
            "committing each POST's form to SQLite first, measured just before and just after the fake.",
            "",
            *table,
            "",
        ]
    )
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
