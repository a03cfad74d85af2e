"""A minimal asyncio HTTP/1.1 server: just enough protocol for botocore, urllib and curl.

No framework, because the emulator is the benchmark target: the request path has to stay a
few hundred microseconds of plain Python, and every connection has to be visible (counted) so
a test can prove that clients keep connections alive. Requests on one connection are answered
in order, one at a time, which is all HTTP/1.1 clients without pipelining ask for.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
# The kernel queue for connections not yet accepted: hundreds of workers may connect at once.
LISTEN_BACKLOG = 2048
# How long a refused client may keep sending before the connection is closed anyway.
LINGER_S = 2.0

_REASONS = {status.value: status.phrase for status in HTTPStatus}
# Not an IANA status, but SageMaker answers InternalDependencyException with it.
_REASONS[530] = "Internal Dependency Failure"


@dataclass(slots=True)
class Connection:
    """One client connection; handlers may tag it (e.g. "carried an invocation")."""

    id: int
    tags: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Request:
    method: str
    version: str  # "HTTP/1.1" or "HTTP/1.0": decides the keep-alive default
    path: str  # still percent-encoded, without the query
    query: str
    headers: dict[str, str]  # names lower-cased; repeated headers joined with ", "
    body: bytes
    connection: Connection


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]


def json_response(
    status: int, document: object, headers: list[tuple[str, str]] | None = None
) -> Response:
    """A JSON document as a response; the control API and the runtime errors both use it."""
    body = json.dumps(document, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", "application/json"), *(headers or [])])


class FramingError(Exception):
    """The bytes cannot be framed as a request: answer once, then close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class ServerStats:
    connections_opened: int = 0
    connections_open: int = 0
    requests: int = 0


class _HttpDate:
    """The Date header, formatted once per second rather than once per response."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True)
        return self._value


_http_date = _HttpDate()


class HttpServer:
    """Serves `handler` over HTTP/1.1 with keep-alive; counts connections and requests."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = ServerStats()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Bind and start accepting; returns the bound address (port 0 picks a free one)."""
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=MAX_HEAD_BYTES, backlog=LISTEN_BACKLOG
        )
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        return bound_host, bound_port

    async def close(self) -> None:
        """Stop accepting and drop open connections, including ones waiting on a slow reply."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.connections_opened += 1
        self.stats.connections_open += 1
        connection = Connection(next(self._ids))
        try:
            await self._serve_requests(connection, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away mid-request; nobody is left to answer
        except asyncio.CancelledError:
            # Only close() cancels these tasks. Ending normally matters: on Python 3.11 the
            # stream protocol's done-callback calls task.exception(), which re-raises for a
            # cancelled task and logs a traceback per open connection at every shutdown.
            pass
        finally:
            self.stats.connections_open -= 1
            self._tasks.discard(task)
            writer.close()

    async def _serve_requests(
        self, connection: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                request = await _read_request(connection, reader, writer)
            except FramingError as exc:
                await _refuse(reader, writer, exc)
                return
            if request is None:
                return
            self.stats.requests += 1
            keep_alive = _wants_keep_alive(request)
            response = await self._respond(request)
            writer.write(_encode(response, keep_alive, head_only=request.method == "HEAD"))
            await writer.drain()
            if not keep_alive:
                return

    async def _respond(self, request: Request) -> Response:
        try:
            return await self._handler(request)
        except Exception:
            log.exception("handler_failed method=%s path=%s", request.method, request.path)
            return json_response(500, {"message": "emulator handler failed; see its stderr"})


async def _read_request(
    connection: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> Request | None:
    """The next request on the connection, or None when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise FramingError(431, f"request head exceeds {MAX_HEAD_BYTES} bytes") from None
    method, target, version, headers = _parse_head(head)
    length = _content_length(headers)
    if length and headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    return Request(method, version, path, query, headers, body, connection)


async def _refuse(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, error: FramingError
) -> None:
    """Answer a request that cannot be framed, then close without losing that answer.

    The client may still be sending the body we refused (chunks, say). Closing a socket with
    unread input makes the kernel send RST, and the client then fails with EPIPE or
    ECONNRESET instead of reading our answer; so half-close and discard its input for a
    moment first (an HTTP server's "lingering close").
    """
    response = json_response(error.status, {"message": error.message})
    writer.write(_encode(response, keep_alive=False, head_only=False))
    await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LINGER_S):
            while await reader.read(MAX_HEAD_BYTES):
                pass


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise FramingError(400, f"malformed request line: {lines[0][:100]!r}") from None
    if not version.startswith("HTTP/1."):
        raise FramingError(505, f"only HTTP/1.x is spoken here, not {version[:20]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise FramingError(400, f"malformed header line: {line[:100]!r}")
        key, value = name.strip().lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return method, target, version, headers


def _content_length(headers: dict[str, str]) -> int:
    if "transfer-encoding" in headers:
        raise FramingError(
            411, "chunked request bodies are not supported: send the body with Content-Length"
        )
    raw = headers.get("content-length", "0")
    if not raw.isdigit():
        raise FramingError(400, f"bad Content-Length: {raw[:40]!r}")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise FramingError(413, f"body of {length} bytes exceeds {MAX_BODY_BYTES}")
    return length


def _wants_keep_alive(request: Request) -> bool:
    tokens = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def _encode(response: Response, keep_alive: bool, head_only: bool) -> bytes:
    lines = [
        f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Unknown')}",
        f"Content-Length: {len(response.body)}",
        f"Date: {_http_date()}",
    ]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    return head if head_only else head + response.body
