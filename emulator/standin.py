"""What the Camunda 7 and Camunda 8 stand-in engines share: serving until a signal, and the
control-API client their tests and benchmarks script them with.

The engines differ in their REST APIs (``emulator.camunda7.api``, ``emulator.camunda8.api``);
how a stand-in runs as a process and is scripted is the same, so it is written once here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar

from emulator.http import Handler, HttpServer


async def serve_until_signalled(handle: Handler, label: str, host: str, port: int) -> None:
    """Serve ``handle`` until SIGTERM or SIGINT; print ``<label> listening on http://H:P``
    once bound, so a parent that asked for port 0 learns the port."""
    server = HttpServer(handle)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bound_host, bound_port = await server.start(host, port)
    print(f"{label} listening on http://{bound_host}:{bound_port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def run_standin(label: str, host: str, port: int, build: Callable[[], Handler]) -> int:
    """A stand-in's ``main``: warnings only on stderr, serve ``build()``'s handler, exit 0."""
    logging.basicConfig(level="WARNING", stream=sys.stderr)
    asyncio.run(serve_until_signalled(build(), label, host, port))
    return 0


class StandInControl:
    """A stdlib client for a stand-in's control API (under ``/_<engine>``): what both engines
    answer — recorded requests, counters, health. Subclasses add their engine's own calls."""

    prefix: ClassVar[str]

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s

    def requests(self) -> dict[str, Any]:
        """``{"requests": [{time, method, path, operation, …}], "invalid": [...]}``."""
        document: dict[str, Any] = self._call("GET", "/requests")
        return document

    def stats(self) -> dict[str, Any]:
        document: dict[str, Any] = self._call("GET", "/stats")
        return document

    def healthy(self) -> bool:
        try:
            self._call("GET", "/health")
        except OSError:
            return False
        return True

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + self.prefix + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
            return json.loads(response.read() or b"null")
