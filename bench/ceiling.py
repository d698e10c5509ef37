"""The ceiling: a bare Starlette app answering each benchmarked path with the fake's own JSON.

Served by the same uvicorn settings as the fake, it is what any Python ASGI server on this
machine can do at best; the benchmark quotes the fake as a ratio of it. The bodies come from the
file named by CEILING_BODIES: {"/path": "<json text>"} as the fake answered them.
"""

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_BODIES = {
    path.rstrip("/"): body.encode() for path, body in json.loads(Path(os.environ["CEILING_BODIES"]).read_text()).items()
}


async def answer(request: Request) -> Response:
    return Response(_BODIES.get(request.url.path.rstrip("/"), b"{}"), media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
