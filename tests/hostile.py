"""A server that answers whatever a test tells it to: not SmartEngage, not even always HTTP.

A raw asyncio server on 127.0.0.1 in a thread of its own. Each request gets the next answer of
the list for its path (cycling), or of the list for "*"; an answer is a status, headers and a
body, or a fault: the connection reset, a hang, or an endless body.
"""

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_HEAD_LIMIT = 64 * 1024
_HANG_SECONDS = 5.0  # longer than any timeout the tests give verify
_CHUNK = b"\0" * 65536


@dataclass(frozen=True)
class Answer:
    status: int = 200
    content_type: str | None = "application/json"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None  # "reset", "hang" or "endless"


@dataclass
class Hostile:
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _closing: asyncio.Event | None = None

    def _next(self, path: str) -> Answer:
        key = path.split("?")[0].strip("/")
        answers = self.answers.get(key) or self.answers.get("*") or [Answer(404)]
        count = sum(seen == key for seen in self.seen)
        self.seen.append(key)
        return answers[count % len(answers)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                lines = head.split("\r\n")
                length = next(
                    (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0
                )
                await reader.readexactly(length)
                answer = self._next(lines[0].split(" ")[1])
                if not await self._send(answer, writer):
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _send(self, answer: Answer, writer: asyncio.StreamWriter) -> bool:
        """Writes the answer; whether the connection may carry another."""
        if answer.fault == "reset":
            writer.transport.abort()
            return False
        if answer.fault == "hang":
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), _HANG_SECONDS)
            return False
        return await _write(answer, writer)

    async def close(self) -> None:
        """Ends every connection, hung or endless, and lets their handlers finish."""
        assert self._closing is not None
        self._closing.set()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        await asyncio.gather(*tasks, return_exceptions=True)


async def _write(answer: Answer, writer: asyncio.StreamWriter) -> bool:
    headers = [*answer.headers]
    if answer.content_type:
        headers.append(("Content-Type", answer.content_type))
    if answer.fault != "endless":
        headers.append(("Content-Length", str(len(answer.body))))
    head = f"HTTP/1.1 {answer.status} Whatever\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    writer.write(head.encode("latin-1") + b"\r\n" + answer.body)
    if answer.fault == "endless":  # a body without a length, until the client goes
        while True:
            writer.write(_CHUNK)
            await writer.drain()
    await writer.drain()
    return True


@contextmanager
def hostile_server(hostile: Hostile) -> Iterator[str]:
    """Serves `hostile` on 127.0.0.1; its base URL while this runs."""
    loop = asyncio.new_event_loop()
    hostile._closing = asyncio.Event()
    server = loop.run_until_complete(asyncio.start_server(hostile._handle, "127.0.0.1", 0, limit=_HEAD_LIMIT))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        loop.call_soon_threadsafe(server.close)
        asyncio.run_coroutine_threadsafe(hostile.close(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
