"""The HTTP exchange of a lean call on one event loop per process, instead of a blocking socket
per thread.

A worker has dozens of calls in flight, each waiting ~100 ms on a model. Done the botocore
way — a thread per call blocked in urllib3 — every response wakes a thread that must take the
GIL, and urllib3 and http.client cost more CPU per exchange than the signing does. One event
loop thread with aiohttp (its C parser, non-blocking sockets) does the same exchanges for a
quarter of the CPU (README Performance). The request is botocore's, already signed; this module
only carries it, as botocore's ``URLLib3Session`` would:

- the same bytes on the wire: the signed headers as they are, no header aiohttp would add of
  its own (``Accept``, gzip ``Accept-Encoding``, a default ``Content-Type``), the URL sent as
  encoded (the signature covers it), no redirects, no decompression;
- the client's timeouts (connect; read = the longest wait between two reads), TLS verification
  as configured (``verify``: on — CA and hostname —, off, or a CA bundle), its socket options;
- the same exceptions: each transport failure raised as the botocore exception urllib3's
  would have become (a body cut short: ResponseStreamingError, as StreamingBody raises it),
  so ``worker/sagemaker/errors.py`` classifies it the same way;
- a POST is never sent twice: aiohttp resends a request on a dropped keep-alive connection
  only for idempotent methods, and botocore's urllib3 (``Retry(False)``) never does.

What it does not cover stays with botocore's session (``covers``): proxies (configured or from
the environment), client certificates, a non-HTTP(S) URL. ``tests/unit/test_lean_transport.py``
checks the wire bytes, answers and failures against botocore's session on real sockets.
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import aiohttp
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    ResponseStreamingError,
    SSLError,
)
from botocore.httpsession import create_urllib3_context, get_cert_path
from urllib3 import HTTPHeaderDict
from yarl import URL

# Headers aiohttp adds when absent; the request must carry only what botocore would send.
_SKIP_AUTO = ("Accept", "Accept-Encoding", "Content-Type", "User-Agent")


class LoopTransport:
    """Sends prepared requests on this process's event loop thread; callable from any thread.

    One per process: the loop and its connections are created on first use in the process that
    uses them (a prefork child never inherits its parent's loop or sockets).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sessions: dict[tuple[tuple[int, int, int], ...], aiohttp.ClientSession] = {}
        self._tls: dict[tuple[bool, Any], ssl.SSLContext | bool] = {}

    @staticmethod
    def covers(http_session: Any, url: str) -> bool:
        """Whether botocore's session would send ``url`` the way this transport does."""
        try:
            return (
                url.startswith(("http://", "https://"))
                and http_session._proxy_config.proxy_url_for(url) is None
                and http_session._cert_file is None
            )
        except AttributeError:  # a botocore whose session differs from the one checked
            return False

    def submit(self, request: AWSPreparedRequest, http_session: Any) -> Future[AWSResponse]:
        """The future of the response (its body read), or of botocore's exception for a
        transport failure."""
        timeout = http_session._timeout
        loop = self._running_loop()
        return asyncio.run_coroutine_threadsafe(
            self._exchange(
                request,
                self._session(http_session, loop),
                self._tls_for(request.url, http_session._verify),
                aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=timeout.connect_timeout,
                    sock_read=timeout.read_timeout,
                ),
            ),
            loop,
        )

    def close(self) -> None:
        """Close the connections and stop the loop (tests; a worker just exits)."""
        with self._lock:
            loop, sessions = self._loop, list(self._sessions.values())
            self._loop, self._sessions = None, {}
        if loop is None:
            return
        for session in sessions:
            asyncio.run_coroutine_threadsafe(session.close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)

    async def _exchange(
        self,
        request: AWSPreparedRequest,
        session: aiohttp.ClientSession,
        verify: ssl.SSLContext | bool,
        timeout: aiohttp.ClientTimeout,
    ) -> AWSResponse:
        url = request.url
        try:
            async with session.request(
                request.method,
                URL(url, encoded=True),
                data=request.body or None,
                headers=_wire_headers(request),
                skip_auto_headers=_SKIP_AUTO,
                allow_redirects=False,
                ssl=verify,
                timeout=timeout,
            ) as response:
                body = await _read_all(response)
                # As urllib3 hands them to botocore: a repeated header's values joined.
                headers = HTTPHeaderDict()
                for name, value in response.headers.items():
                    headers.add(name, value)
                return AWSResponse(url, response.status, headers, _Body(body))  # type: ignore[arg-type]
        except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
            raise SSLError(endpoint_url=url, error=exc) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from exc
        except TimeoutError as exc:  # aiohttp's read timeout, SocketTimeoutError, is one
            raise ReadTimeoutError(endpoint_url=url, error=exc) from exc
        except aiohttp.ClientConnectorError as exc:
            raise EndpointConnectionError(endpoint_url=url, error=exc) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientResponseError) as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=url) from exc
        except aiohttp.ClientError as exc:
            raise HTTPClientError(error=exc) from exc

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._pid, self._sessions = os.getpid(), {}
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=_run, args=(loop,), name="smq-http-loop", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def _session(self, http_session: Any, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        """One session (connection pool) per set of socket options."""
        options = tuple(tuple(o) for o in (http_session._socket_options or ()))
        with self._lock:
            session = self._sessions.get(options)
            if session is None:
                session = asyncio.run_coroutine_threadsafe(_new_session(options), loop).result()
                self._sessions[options] = session
            return session

    def _tls_for(self, url: str, verify: bool | str | None) -> ssl.SSLContext | bool:
        """Built once per setting: loading a CA bundle takes milliseconds."""
        key = (url[:6].lower() == "https:", verify)
        if key not in self._tls:
            self._tls[key] = _verify(url, verify)
        return self._tls[key]


def _run(loop: asyncio.AbstractEventLoop) -> None:
    """The loop thread: runs until ``close`` stops it, then closes the loop and its sockets."""
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _new_session(options: tuple[tuple[int, int, int], ...]) -> aiohttp.ClientSession:
    """No connection limit: like urllib3's non-blocking pool, a call never waits for one."""

    def make_socket(addr_info: Any) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        sock = socket.socket(family, kind, proto)
        for level, name, value in options:
            sock.setsockopt(level, name, value)
        return sock

    connector = aiohttp.TCPConnector(limit=0, socket_factory=make_socket)
    # botocore keeps no cookies between calls, and decodes no content encoding.
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()
    )


def _wire_headers(request: AWSPreparedRequest) -> dict[str, str]:
    """botocore's headers plus the one http.client adds by itself (no compressed answers)."""
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    if any(k.lower() == "accept-encoding" for k in headers):
        return headers
    return {"Accept-Encoding": "identity", **headers}  # where http.client puts it, after Host


async def _read_all(response: aiohttp.ClientResponse) -> bytes:
    """The whole body; a short one raises what botocore's StreamingBody raises for it."""
    chunks: list[bytes] = []
    try:
        async for chunk in response.content.iter_any():
            chunks.append(chunk)
    except aiohttp.ClientPayloadError as exc:
        # urllib3 raises ProtocolError for a body cut short (by Content-Length or chunked),
        # which botocore's StreamingBody.read raises as ResponseStreamingError.
        raise ResponseStreamingError(error=exc) from exc
    return b"".join(chunks)


def _verify(url: str, verify: bool | str | None) -> ssl.SSLContext | bool:
    """TLS as botocore sets it up: its context, the CA bundle it would load, or no check."""
    if not url.lower().startswith("https"):
        return True
    context: ssl.SSLContext = create_urllib3_context()
    if verify:
        context.load_verify_locations(get_cert_path(verify))  # type: ignore[arg-type]
        # botocore's context leaves the hostname to urllib3; aiohttp has no such step.
        context.hostname_checks_common_name = False
        context.check_hostname = True
        return context
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Body:
    """A read body, as AWSResponse and StreamingBody read a urllib3 response."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._io = io.BytesIO(data)

    def read(self, amt: int | None = None) -> bytes:
        return self._io.read(amt)

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._io.read()

    def close(self) -> None:
        self._io.close()


@functools.cache
def shared_transport() -> LoopTransport:
    """The process's transport: every client cache in a process shares its one loop."""
    return LoopTransport()
