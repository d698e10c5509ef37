"""The ceiling: a bare Starlette app answering each benchmarked path with the fake's own JSON;
and the write floor: the same app, which first commits each POST's form as one row to SQLite.

Served by the same uvicorn settings as the fake, the ceiling is what any Python ASGI server on
this machine can do at best; the benchmark quotes the fake as a ratio of it. The ceiling never
reads a request's body. The write floor (`write_floor`) does the least a write backed by SQLite
can: it reads the urlencoded body and inserts it in one transaction into an in-memory database,
so the fake's writes can be set against the cost of the store the stack prescribes. The bodies
come from the file named by CEILING_BODIES: {"/path": "<json text>"} as the fake answered them.
"""

import json
import os
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_BODIES = {
    path.rstrip("/"): body.encode() for path, body in json.loads(Path(os.environ["CEILING_BODIES"]).read_text()).items()
}
_WRITES = sqlite3.connect(":memory:", isolation_level=None)
_WRITES.execute("CREATE TABLE request (pk INTEGER PRIMARY KEY, path TEXT NOT NULL, form TEXT NOT NULL)")


async def answer(request: Request) -> Response:
    return Response(_BODIES.get(request.url.path.rstrip("/"), b"{}"), media_type="application/json")


async def write_then_answer(request: Request) -> Response:
    if request.method == "POST":
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        _WRITES.execute("BEGIN")
        _WRITES.execute("INSERT INTO request (path, form) VALUES (?, ?)", (request.url.path, json.dumps(form)))
        _WRITES.execute("COMMIT")
    return await answer(request)


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
write_floor = Starlette(routes=[Route("/{path:path}", write_then_answer, methods=["GET", "POST"])])
