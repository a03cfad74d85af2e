"""The event-loop transport (worker/sagemaker/transport.py) against botocore's own HTTP session.

Given one botocore sagemaker-runtime client pointed at a local server (a real listening socket
served by threads) and a fixed clock, when the same InvokeEndpoint call goes through
``LeanRuntime(client)`` (botocore's ``URLLib3Session``) and through
``LeanRuntime(client, transport=LoopTransport())``, then

- the server receives the same request: method, target, headers (names and values, compared
  as a case-insensitive multiset; in order but for ``Accept-Encoding``), body;
- the same answer maps to the same result or service error through ``realtime.invoke``;
- the same transport failure comes out as the same service error class, code and retryability;
- a POST reaches the server once, also on a kept-alive connection that the server drops;
- TLS is verified as configured (a CA bundle, the default bundle, or not at all);
- ``covers`` leaves proxies and client certificates to botocore.

No mock stands in for either transport: both write to and read from real sockets. Where the
two differ, a test says so: a header block cut off by the server (botocore takes it as the
end of the headers and answers 200; the transport raises a retryable ConnectionError).
"""

from __future__ import annotations

import datetime
import gc
import gzip
import ipaddress
import os
import socket
import ssl
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ops.local import wait_until
from producer.errors import SmqError
from tests.unit.lean_support import isolated
from worker.sagemaker import realtime
from worker.sagemaker.lean import LeanRuntime
from worker.sagemaker.transport import LoopTransport

CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    parameter_validation=False,
    tcp_keepalive=True,
    connect_timeout=2,
    read_timeout=5,  # a bound for a test gone wrong; the timeout tests set their own
)
REQUEST = {
    "EndpointName": "churn",
    "Body": b'{"x":1}',
    "ContentType": "application/json",
    "Accept": "application/json",
}


# --- a server on a real socket -------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request as it arrived: header lines in order, bytes kept (latin-1 is lossless)."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    connection: int  # which accepted connection carried it

    def header_multiset(self) -> list[tuple[str, str]]:
        return sorted((name.lower(), value) for name, value in self.headers)


# Answers a request on its socket; True keeps the connection open for the next one.
Answer = Callable[[Received, socket.socket], bool]


class Server:
    """HTTP/1.1 on 127.0.0.1, one thread per connection; records every request it reads."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.requests: list[Received] = []
        self.closed = 0  # connections this server has finished with
        self._tls = tls
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.01)  # how often the accept loop looks at _stopping
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept)

    def url(self, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}"

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [r.body for r in self.requests]

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):  # wakes a handler blocked in recv
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(2)
        self._listener.close()

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        number = 0
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            number += 1
            self._spawn(self._serve, sock, number)

    def _serve(self, sock: socket.socket, number: int) -> None:
        try:
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_side=True)
            with self._lock:
                self._sockets.append(sock)
            with sock, sock.makefile("rb") as reader:
                while (received := _read_request(reader, number)) is not None:
                    with self._lock:
                        self.requests.append(received)
                    if not self.answer(received, sock):
                        break
        except (OSError, ValueError):
            pass  # the client hung up or refused the certificate: the test looks at its side
        finally:
            with self._lock:
                self.closed += 1


def _read_request(reader: Any, connection: int) -> Received | None:
    line = reader.readline(65536)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while (line := reader.readline(65536)) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
        headers.append((name, value.strip()))
    length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0"))
    return Received(method, target, tuple(headers), reader.read(length), connection)


def response_bytes(
    status: int,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    *,
    chunked: bool = False,
    length: int | None = None,
) -> bytes:
    lines = [f"HTTP/1.1 {status} Status"] + [f"{k}: {v}" for k, v in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        half = len(body) // 2
        parts = [p for p in (body[:half], body[half:]) if p]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def reply(
    status: int = 200,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b'{"score":0.7}',
    *,
    chunked: bool = False,
) -> Answer:
    """Answers every request alike and keeps the connection (HTTP/1.1 keep-alive)."""
    headers = [("Content-Type", "application/json")] if headers is None else headers
    data = response_bytes(status, headers, body, chunked=chunked)

    def answer(received: Received, sock: socket.socket) -> bool:
        sock.sendall(data)
        return True

    return answer


def hang_up(received: Received, sock: socket.socket) -> bool:
    """Reads the request and closes the connection without a word."""
    return False


def stall(received: Received, sock: socket.socket) -> bool:
    """Answers nothing and waits for the client to give up (its read timeout)."""
    sock.settimeout(5)
    sock.recv(1)
    return False


def short_body(received: Received, sock: socket.socket) -> bool:
    """Promises 100 bytes, sends 10, closes."""
    sock.sendall(response_bytes(200, [("Content-Type", "text/plain")], b"0123456789", length=100))
    return False


def stall_mid_body(received: Received, sock: socket.socket) -> bool:
    """Promises 100 bytes, sends 10, then waits for the client to give up."""
    short_body(received, sock)
    return stall(received, sock)


def short_chunked_body(received: Received, sock: socket.socket) -> bool:
    """A chunked answer cut off inside its second chunk."""
    sock.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n10\r\nwor"
    )
    return False


def half_the_headers(received: Received, sock: socket.socket) -> bool:
    """The status line and one header, then the connection closes."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
    return False


# --- fixtures and the two ways of sending ---------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No credentials, config or proxy from the machine; a fixed clock and invocation id."""
    with isolated(monkeypatch, tmp_path):
        yield


@pytest.fixture(scope="module")
def transport() -> Iterator[LoopTransport]:
    """One transport for the module, as a worker process has one; closed at the end."""
    others = _loop_threads()
    loop_transport = LoopTransport()
    yield loop_transport
    loop = loop_transport._loop
    loop_transport.close()
    for thread in _loop_threads() - others:
        thread.join(2)
    assert loop is None or loop.is_closed()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(answer: Answer, tls: ssl.SSLContext | None = None) -> Server:
        started.append(Server(answer, tls))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def aws() -> boto3.session.Session:
    """One session for the module: its clients share the service models it loads once."""
    return boto3.session.Session(
        aws_access_key_id="AKIASTATIC", aws_secret_access_key="static/secret+key"
    )


@pytest.fixture
def clients(aws: boto3.session.Session) -> Iterator[Callable[..., Any]]:
    """A client factory; each client's connection pool is closed after the test."""
    made: list[Any] = []

    def make(endpoint_url: str, verify: bool | str | None = None, **config: Any) -> Any:
        client = aws.client(
            "sagemaker-runtime",
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            verify=verify,
            config=CONFIG.merge(Config(**config)),
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@dataclass
class Ways:
    """The same client, sending by botocore's session and by the loop transport."""

    client: Any
    transport: LoopTransport

    @property
    def botocore(self) -> LeanRuntime:
        runtime = LeanRuntime(self.client)
        assert runtime.lean
        return runtime

    @property
    def loop(self) -> OnLoop:
        runtime = LeanRuntime(self.client, transport=self.transport)
        assert runtime.lean
        return OnLoop(runtime)

    def run(self, call: Callable[[Any], Any]) -> tuple[Any, Any]:
        """(outcome by botocore's session, outcome by the loop transport)."""
        by_botocore = _outcome(call, self.botocore)
        session = self.client._endpoint.http_session
        assert self.transport.covers(session, self.client.meta.endpoint_url)
        with mock.patch.object(session, "send", side_effect=AssertionError("session used")):
            by_loop = _outcome(call, self.loop)
        return by_botocore, by_loop


class OnLoop:
    """A runtime whose ``invoke_endpoint`` goes the way a message's jobs go: sent on the loop
    (``send_invoke_endpoint``), then waited for. Its own ``invoke_endpoint`` — a call a thread
    waits on — takes botocore's session."""

    def __init__(self, runtime: LeanRuntime) -> None:
        self.runtime = runtime

    def invoke_endpoint(self, **params: Any) -> dict[str, Any]:
        pending = self.runtime.send_invoke_endpoint(**params)
        assert pending is not None, "the call did not go on the loop"
        return pending.result()


def _outcome(call: Callable[[Any], Any], runtime: LeanRuntime | OnLoop) -> Any:
    try:
        return ("ok", call(runtime))
    except SmqError as exc:
        return ("error", type(exc).__name__, exc.code, exc.retryable, exc.message, exc.details)


def invoke(params: dict[str, Any] = REQUEST) -> Callable[[Any], Any]:
    return lambda runtime: realtime.invoke(runtime, params)


def raw_answer(runtime: LeanRuntime | OnLoop) -> tuple[int, list[tuple[str, str]], bytes]:
    """The response as the caller of ``invoke_endpoint`` sees it: status, headers, body."""
    answer = runtime.invoke_endpoint(**REQUEST)
    meta = answer["ResponseMetadata"]
    headers = meta["HTTPHeaders"]
    names = sorted((k.lower(), headers[k]) for k in headers)
    return meta["HTTPStatusCode"], names, answer["Body"].read()


def classified(outcome: Any) -> Any:
    """A failure's class, code and retryability (its message quotes each library's own error)."""
    return outcome[:4]


# --- 1. the request on the wire -------------------------------------------------------------

PARAMS: dict[str, dict[str, Any]] = {
    "content type and accept": REQUEST,
    "no content type, no accept": {"EndpointName": "churn", "Body": b'{"x":1}'},
    "custom attributes": {
        **REQUEST,
        "CustomAttributes": 'trace=on, tenant="a b"; q=1/2',
        "InferenceId": "id with spaces",
    },
    "target model and endpoint name needing percent-encoding": {
        "EndpointName": "a b/c~d%e+f",
        "Body": b"{}",
        "ContentType": "application/json",
        "TargetModel": "models/a b+c%d~e.tar.gz",
    },
    "an endpoint name of dots": {"EndpointName": "..", "Body": b"{}"},
    "every optional header": {
        "EndpointName": "multi-model-ep",
        "Body": b"a,b,c\n1,2,3\n",
        "ContentType": "text/csv",
        "Accept": "application/jsonlines",
        "CustomAttributes": "c=1",
        "TargetModel": "model-7.tar.gz",
        "TargetVariant": "Variant-2",
        "TargetContainerHostname": "container-1",
        "InferenceId": "0f8fad5bd9cb469fa16570867728950e",
        "EnableExplanations": "`true`",
        "InferenceComponentName": "ic-1",
        "SessionId": "NEW_SESSION",
    },
    "non-ASCII custom attributes (both write UTF-8)": {
        **REQUEST,
        "CustomAttributes": "tenant=café, city=東京",
    },
    "empty body": {"EndpointName": "e", "Body": b"", "ContentType": "application/json"},
    "empty body, no content type": {"EndpointName": "e", "Body": b""},
    "1 MB body": {
        "EndpointName": "image-model",
        "Body": bytes(range(256)) * 4096,
        "ContentType": "application/x-image",
    },
}


@pytest.mark.parametrize("name", PARAMS)
def test_the_server_receives_the_same_request(
    name: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a server that records each request, when the same call goes both ways, then it
    reads the same method, target, headers (any order) and body, signature included."""
    server = servers(reply())
    ways = Ways(clients(server.url()), transport)

    got_by_botocore, got_by_loop = ways.run(invoke(PARAMS[name]))

    assert got_by_botocore[0] == "ok"
    assert got_by_loop == got_by_botocore
    by_botocore, by_loop = server.requests
    assert by_loop.method == by_botocore.method == "POST"
    assert by_loop.target == by_botocore.target
    assert by_loop.header_multiset() == by_botocore.header_multiset()
    assert by_loop.body == by_botocore.body == PARAMS[name]["Body"]


def test_the_headers_come_in_the_same_order(
    servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given the worker's usual call, when it goes both ways, then the header lines come in the
    same order: ``Host``, then ``Accept-Encoding: identity`` (where http.client writes it),
    then botocore's headers."""
    server = servers(reply())
    ways = Ways(clients(server.url()), transport)

    ways.run(invoke(PARAMS["every optional header"]))

    def names(received: Received) -> list[str]:
        return [name.lower() for name, _ in received.headers]

    by_botocore, by_loop = server.requests
    assert names(by_loop) == names(by_botocore)
    assert names(by_botocore)[:2] == ["host", "accept-encoding"]


def _sockets_connected_to(peer: tuple[str, int]) -> list[socket.socket]:
    """Copies of this process's TCP sockets connected to ``peer`` (the caller closes them)."""
    found, seen = [], set()
    for fd in os.listdir("/proc/self/fd"):
        with suppress(OSError):  # an fd closed since listed
            inode = os.readlink(f"/proc/self/fd/{fd}")
            if not inode.startswith("socket:") or inode in seen:
                continue  # seen: a copy made here took the number of one listed (listdir's own)
            seen.add(inode)
            sock = socket.socket(fileno=os.dup(int(fd)))
            try:
                connected = sock.family == socket.AF_INET and sock.getpeername() == peer
            except OSError:  # a listening or unconnected socket
                connected = False
            if connected:
                found.append(sock)
            else:
                sock.close()
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds sockets by /proc")
@pytest.mark.parametrize("way", ["botocore", "loop"])
def test_the_connection_has_the_clients_socket_options(
    way: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a client with tcp_keepalive, when a call leaves its connection open for the next,
    then that socket has TCP keep-alive and no Nagle delay, as botocore's options ask."""
    server = servers(reply())
    runtime = getattr(Ways(clients(server.url()), transport), way)
    realtime.invoke(runtime, REQUEST)

    options = []
    for sock in _sockets_connected_to(("127.0.0.1", server.port)):
        with sock:
            keepalive = sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
            options.append((keepalive, sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
    assert len(options) == 1  # the kept-alive connection
    assert all(options[0])


# --- 2. answers ----------------------------------------------------------------------------


def _error(status: int, code: str) -> Answer:
    return reply(
        status,
        [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", "req-1"),
            ("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/"),
        ],
        b'{"message":"%s says no"}' % code.encode(),
    )


GZIPPED = gzip.compress(b'{"score":0.7}', mtime=0)
ANSWERS: dict[str, Answer] = {
    "200 with Content-Length": reply(),
    "200 chunked": reply(body=b'{"score":0.7,"label":"churn"}', chunked=True),
    "every SageMaker response header": reply(
        headers=[
            ("Content-Type", "application/json"),
            ("x-Amzn-Invoked-Production-Variant", "AllTraffic"),
            ("X-Amzn-SageMaker-Custom-Attributes", "c=1"),
            ("X-Amzn-SageMaker-New-Session-Id", "sess-1; Expires=2026-12-01T13:00:00Z"),
            ("X-Amzn-SageMaker-Closed-Session-Id", "sess-0"),
        ]
    ),
    "a repeated response header": reply(
        headers=[
            ("Content-Type", "application/json"),
            ("X-Amzn-SageMaker-Custom-Attributes", "a=1"),
            ("X-Amzn-SageMaker-Custom-Attributes", "b=2"),
        ]
    ),
    "a gzip body, not decompressed": reply(
        headers=[("Content-Type", "application/octet-stream"), ("Content-Encoding", "gzip")],
        body=GZIPPED,
    ),
    "an empty json body": reply(body=b""),
    "a redirect, not followed": reply(
        307, [("Location", "/endpoints/churn/invocations"), ("Content-Type", "text/plain")], b""
    ),
    "ModelError 424": _error(424, "ModelError"),
    "ThrottlingException 429": _error(429, "ThrottlingException"),
    "InternalFailure 500": _error(500, "InternalFailure"),
    "a chunked 503": reply(
        503, [("Content-Type", "text/html")], b"<html>Service Unavailable</html>", chunked=True
    ),
    "an empty 500": reply(500, [], b""),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_the_same_answer_maps_to_the_same_result(
    name: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a server that answers every request alike, when the call goes both ways, then
    ``realtime.invoke`` returns the same result or raises the same error, message and all."""
    server = servers(ANSWERS[name])
    ways = Ways(clients(server.url()), transport)

    by_botocore, by_loop = ways.run(invoke())

    assert by_loop == by_botocore
    assert len(server.requests) == 2


SUCCESSES = [
    "200 with Content-Length",
    "200 chunked",
    "every SageMaker response header",
    "a repeated response header",
    "a gzip body, not decompressed",
]


@pytest.mark.parametrize("name", SUCCESSES)
def test_the_caller_of_invoke_endpoint_sees_the_same_response(
    name: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a successful answer, when read through ``invoke_endpoint`` both ways, then the
    status, the headers (repeated ones joined as urllib3 joins them) and the bytes are equal."""
    server = servers(ANSWERS[name])
    ways = Ways(clients(server.url()), transport)

    by_botocore, by_loop = ways.run(raw_answer)

    assert by_loop == by_botocore


def test_a_gzip_body_is_handed_over_compressed(
    servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a gzip Content-Encoding answer, when read both ways, then neither decompresses."""
    server = servers(ANSWERS["a gzip body, not decompressed"])
    ways = Ways(clients(server.url()), transport)

    by_botocore, by_loop = ways.run(raw_answer)

    assert by_botocore[1][2] == by_loop[1][2] == GZIPPED


# --- 3. transport failures ------------------------------------------------------------------


@contextmanager
def refused_port() -> Iterator[int]:
    """A port nothing listens on (bound, then closed)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    yield port


@contextmanager
def full_backlog_port() -> Iterator[int]:
    """A listener that never accepts, its queue filled: Linux drops further SYNs, so a connect
    hangs until the client's connect timeout (no routing to an outside address needed)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    address = listener.getsockname()
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        try:
            socket.create_connection(address, timeout=0.2).close()
        except TimeoutError:
            yield address[1]
        else:
            pytest.skip("this system accepts connections beyond a full backlog")
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextmanager
def _endpoint(answer: Answer | None, servers: Any, *, timeouts: dict[str, float]) -> Iterator[str]:
    """A server giving ``answer``; with none, a port that refuses or, for a test of the
    connect timeout, one that never completes the handshake."""
    if answer is not None:
        yield servers(answer).url()
        return
    ports = full_backlog_port if "connect_timeout" in timeouts else refused_port
    with ports() as port:
        yield f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class Failure:
    answer: Answer | None  # None: nothing answers (a closed port, a full backlog)
    timeouts: dict[str, float]
    code: str  # the service error's code, both ways
    same_message: bool = True  # False where the message quotes each library's own error


FAILURES = {
    "connection refused": Failure(None, {}, "ConnectionError"),
    "connect timeout": Failure(None, {"connect_timeout": 0.2}, "Timeout"),
    "read timeout before the answer": Failure(stall, {"read_timeout": 0.3}, "Timeout"),
    # urllib3's ReadTimeoutError in the body carries no URL: botocore's message says "None"
    "read timeout in the body": Failure(stall_mid_body, {"read_timeout": 0.3}, "Timeout", False),
    "closed after reading the request": Failure(hang_up, {}, "ConnectionError"),
    # urllib3 raises ProtocolError for a body cut short, which botocore's StreamingBody.read
    # raises as ResponseStreamingError (not IncompleteReadError: that is its own length check,
    # reached only when the read itself did not fail).
    "fewer body bytes than Content-Length": Failure(
        short_body, {}, "ResponseStreamingError", False
    ),
    "a chunked body cut off": Failure(short_chunked_body, {}, "ResponseStreamingError", False),
}


@pytest.mark.parametrize(
    "failure",
    list(FAILURES.values()),
    ids=list(FAILURES),
)
def test_a_transport_failure_is_the_same_service_error(
    failure: Failure, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given an exchange that fails one way, when the call goes both ways, then
    ``realtime.invoke`` raises the same error class, code and retryability (and message,
    unless it quotes the library's own error)."""
    with _endpoint(failure.answer, servers, timeouts=failure.timeouts) as url:
        ways = Ways(clients(url, **failure.timeouts), transport)

        by_botocore, by_loop = ways.run(invoke())

    assert classified(by_botocore) == ("error", "RetryableError", failure.code, True)
    assert classified(by_loop) == classified(by_botocore), (by_botocore[4], by_loop[4])
    if failure.same_message:
        assert by_loop == by_botocore


def test_a_header_block_cut_off_by_the_server_is_where_the_two_differ(
    servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a server that sends the status line and one header and closes, when the call goes
    both ways, then botocore's session takes the end of the connection for the end of the
    headers (http.client) and answers 200 with an empty body; the transport raises
    ConnectionClosedError. Recorded as it is: a change on either side shows here."""
    server = servers(half_the_headers)
    ways = Ways(clients(server.url()), transport)

    by_botocore, by_loop = ways.run(invoke())

    assert by_botocore[0] == "ok"
    assert by_botocore[1]["body"] == ""
    assert by_botocore[1]["contentType"] == "text/plain"
    assert classified(by_loop) == ("error", "RetryableError", "ConnectionError", True)


# --- 4. a POST is sent once -----------------------------------------------------------------


def first_then(second: Answer) -> Answer:
    """Answers a body of b"first" and keeps the connection; anything else by ``second``."""
    ok = reply()

    def answer(received: Received, sock: socket.socket) -> bool:
        return ok(received, sock) if received.body == b"first" else second(received, sock)

    return answer


def answer_once_and_close(received: Received, sock: socket.socket) -> bool:
    """Answers as if keeping the connection (no ``Connection: close``), then closes it."""
    reply()(received, sock)
    return False


@pytest.mark.parametrize("way", ["botocore", "loop"])
def test_a_post_on_a_dropped_kept_alive_connection_is_not_resent(
    way: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a kept-alive connection on which the server reads the next request and closes
    without answering, when that call is made, then it fails as a closed connection and the
    server has read its body once (aiohttp resends idempotent methods only; this is a POST)."""
    server = servers(first_then(hang_up))
    runtime = getattr(Ways(clients(server.url()), transport), way)
    realtime.invoke(runtime, {**REQUEST, "Body": b"first"})

    outcome = _outcome(invoke({**REQUEST, "Body": b"second"}), runtime)

    assert classified(outcome) == ("error", "RetryableError", "ConnectionError", True)
    wait_until(lambda: server.closed >= 1, 2.0, "the server to close")
    first, second = server.requests  # nothing more: the POST was not sent again
    assert second.body == b"second"
    assert second.connection == first.connection  # the kept-alive one
    assert server.bodies() == [b"first", b"second"]


@pytest.mark.parametrize("way", ["botocore", "loop"])
def test_a_post_after_the_server_closed_the_connection_reaches_it_at_most_once(
    way: str, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a server that closes the connection right after its first answer, when the next
    call is made, then it succeeds on a new connection (or fails) and is read at most once."""
    server = servers(answer_once_and_close)
    runtime = getattr(Ways(clients(server.url()), transport), way)
    realtime.invoke(runtime, {**REQUEST, "Body": b"first"})
    wait_until(
        lambda: server.closed == 1, 2.0, "the server to close the first connection", interval=0.01
    )

    outcome = _outcome(invoke({**REQUEST, "Body": b"second"}), runtime)

    assert server.bodies().count(b"second") == (1 if outcome[0] == "ok" else 0)
    if outcome[0] == "ok":  # as both do here: each notices the close before sending
        assert server.requests[1].connection != server.requests[0].connection


def test_a_server_that_closes_without_answering_reads_the_request_once(
    servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given a server that closes every connection without answering, when the call goes
    both ways, then each way's request reached it exactly once."""
    server = servers(hang_up)
    ways = Ways(clients(server.url()), transport)

    ways.run(invoke({**REQUEST, "Body": b"botocore"}))
    ways.run(invoke({**REQUEST, "Body": b"loop"}))

    wait_until(lambda: server.closed >= 4, 2.0, "the server to close")
    assert sorted(server.bodies()) == [b"botocore", b"botocore", b"loop", b"loop"]


# --- 5. TLS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the bundle a client is given (verify=<path>)
    for_127: ssl.SSLContext  # a server certificate for 127.0.0.1 and localhost
    for_another_name: ssl.SSLContext  # signed by the same CA, for other.example only


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str, key: Any, issuer: str, issuer_key: Any, names: list[x509.GeneralName] | None
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=names is None, path_length=None), critical=True)
    )
    if names is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A CA (written as a bundle) and two server certificates it signed."""
    directory = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("smq test CA", ca_key, "smq test CA", ca_key, None)
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def server_context(name: str, names: list[x509.GeneralName]) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(name, key, "smq test CA", ca_key, names)
        path = directory / f"{name}.pem"
        path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        return context

    loopback = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    return Certificates(
        ca=directory / "ca.pem",
        for_127=server_context("loopback", loopback),
        for_another_name=server_context("other", [x509.DNSName("other.example")]),
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize(
    ("verify", "expected"),
    [("bundle", ("ok",)), (True, ("error", "RetryableError", "SSLError", True)), (False, ("ok",))],
    ids=["verify=ca bundle", "verify=True (default bundle)", "verify=False"],
)
def test_tls_is_verified_as_configured(
    host: str,
    verify: Any,
    expected: tuple[Any, ...],
    certificates: Certificates,
    servers: Any,
    clients: Any,
    transport: LoopTransport,
) -> None:
    """Given an HTTPS server whose certificate our CA signed, when the call goes both ways with
    ``verify`` the CA bundle, the default bundle or off, then both succeed alike or both fail
    with the same error."""
    server = servers(reply(), tls=certificates.for_127)
    setting = str(certificates.ca) if verify == "bundle" else verify
    ways = Ways(clients(server.url("https", host), verify=setting), transport)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Warning)  # urllib3's InsecureRequestWarning (verify off)
        by_botocore, by_loop = ways.run(invoke())

    assert by_botocore[: len(expected)] == expected
    if by_botocore[0] == "ok":
        assert by_loop == by_botocore
    else:
        assert classified(by_loop) == classified(by_botocore), (by_botocore[4], by_loop[4])


def test_a_certificate_for_another_host_is_refused(
    certificates: Certificates, servers: Any, clients: Any, transport: LoopTransport
) -> None:
    """Given an HTTPS server on 127.0.0.1 showing a certificate our CA signed for
    other.example, when the call goes both ways with ``verify`` the CA bundle, then both
    refuse it (a hostname mismatch) with the same error."""
    server = servers(reply(), tls=certificates.for_another_name)
    ways = Ways(clients(server.url("https"), verify=str(certificates.ca)), transport)

    by_botocore, by_loop = ways.run(invoke())

    assert classified(by_botocore) == ("error", "RetryableError", "SSLError", True)
    assert classified(by_loop) == classified(by_botocore), by_loop


# --- 6. what the transport leaves to botocore ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "config", "covered"),
    [
        ("http://127.0.0.1:9", {}, True),
        ("https://runtime.sagemaker.us-east-1.amazonaws.com", {}, True),
        ("https://127.0.0.1:9", {"proxies": {"https": "http://proxy.internal:3128"}}, False),
        ("http://127.0.0.1:9", {"proxies": {"http": "http://proxy.internal:3128"}}, False),
        ("https://127.0.0.1:9", {"client_cert": ("/no/cert.pem", "/no/key.pem")}, False),
        ("https://127.0.0.1:9", {"client_cert": "/no/cert-and-key.pem"}, False),
    ],
    ids=["http", "https", "https proxy", "http proxy", "client cert and key", "client cert"],
)
def test_covers_plain_http_and_https_only(
    url: str, config: dict[str, Any], covered: bool, clients: Any
) -> None:
    """Given a client configured with a proxy or a client certificate, or neither, then the
    transport covers its requests only when neither is configured."""
    client = clients(url, **config)

    assert LoopTransport.covers(client._endpoint.http_session, url) is covered


def test_a_proxy_from_the_environment_is_left_to_botocore(
    clients: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given HTTPS_PROXY in the environment when the client is made, then the transport does
    not cover its https calls."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    client = clients("https://127.0.0.1:9")  # botocore reads the environment here

    assert not LoopTransport.covers(client._endpoint.http_session, "https://127.0.0.1:9")


# --- closing ------------------------------------------------------------------------------


def test_close_ends_the_loop_and_its_connections_without_a_resource_warning(
    servers: Any, clients: Any
) -> None:
    """Given a transport that has kept a connection open, when it is closed, then the server
    sees the connection end, the loop thread stops and nothing warns of an unclosed resource."""
    server = servers(reply())
    others = _loop_threads()
    own = LoopTransport()
    OnLoop(LeanRuntime(clients(server.url()), transport=own)).invoke_endpoint(**REQUEST)
    (loop,) = _loop_threads() - others

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        own.close()
        wait_until(
            lambda: server.closed == 1, 2.0, "the kept-alive connection to close", interval=0.01
        )
        wait_until(lambda: not loop.is_alive(), 2.0, "the loop thread to end")
        del own
        gc.collect()

    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def _loop_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "smq-http-loop"}
