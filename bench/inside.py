"""Where a write's time goes inside the server: the ceiling, the write floor and the fake, timed
from inside their ASGI call while wrk drives them.

    .venv/bin/python bench/inside.py [--seconds 5] [--connections 16]

Each app is served by uvicorn on the settings `make bench` uses, wrapped in a layer that times
every request: until its answer starts (the app's first `send`) and until the call returns (the
answer sent, and what the app does after it, such as the fake's journal). wrk sends
`POST /tags/add` to each in turn; the table gives each app's req/s and mean microseconds.
docs/reference/speed.md quotes it.
"""

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from servers import BIN, ROOT, lua_script, server, wrk

APPS = {"ceiling": "app", "write floor": "write_floor", "fake": "fake"}
TAGS_ADD = [("POST", "/tags/add", '"avatar_id=123&subscriber_id=1&tag=123"')]


def timed(app):
    """`app` timed from inside, and the totals it adds each request to (harness paths aside)."""
    totals = {"requests": 0, "answer_starts_us": 0.0, "call_returns_us": 0.0}

    async def timed_app(scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/_fake"):
            await app(scope, receive, send)
            return
        began, started = time.perf_counter(), None

        async def first_send(message):
            nonlocal started
            started = started or time.perf_counter()
            await send(message)

        await app(scope, receive, first_send)
        totals["requests"] += 1
        totals["answer_starts_us"] += (started - began) * 1e6
        totals["call_returns_us"] += (time.perf_counter() - began) * 1e6

    return timed_app, totals


def serve(name: str, port: int, report: Path) -> None:
    """Serves one app until uvicorn is stopped, then writes its totals to `report`."""
    import uvicorn

    if name == "fake":
        from fake_smartengage.app import create_app

        app = create_app()
    else:
        import ceiling

        app = getattr(ceiling, name)
    timed_app, totals = timed(app)

    def write_report(*_: object) -> None:
        report.write_text(json.dumps(totals))
        sys.exit(0)

    # uvicorn stops on SIGTERM, then raises it again for the handler it found: this one.
    signal.signal(signal.SIGTERM, write_report)
    uvicorn.run(timed_app, port=port, log_level="warning", access_log=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve", choices=APPS.values(), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.report)
        return

    from run import fake_answers

    work = Path(tempfile.mkdtemp(prefix="fake-smartengage-inside-"))
    bodies, script = work / "bodies.json", work / "tags_add.lua"
    bodies.write_text(json.dumps(fake_answers()))
    script.write_text(lua_script(TAGS_ADD))
    print(f"POST /tags/add, {args.connections} connections, {args.seconds} s each; mean µs inside the app")
    print(f"{'app':<12} {'req/s':>8} {'answer starts':>14} {'call returns':>13}")
    for label, name in APPS.items():
        report = work / f"{name}.json"
        command = [str(BIN / "python"), str(ROOT / "bench" / "inside.py"), "--serve", name, "--report", str(report)]
        with server(command, {"CEILING_BODIES": str(bodies)}) as running:
            load = wrk(running.url + "/", script, args.seconds, args.connections)
        totals = json.loads(report.read_text())
        per = max(totals["requests"], 1)
        print(
            f"{label:<12} {load.rps:>8,.0f} {totals['answer_starts_us'] / per:>14.1f} "
            f"{totals['call_returns_us'] / per:>13.1f}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
