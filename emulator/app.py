"""The emulator assembled: one HTTP server routing to the runtime API or the control API."""

from __future__ import annotations

from emulator import wire
from emulator.async_results import AsyncResults
from emulator.control_api import PREFIX as CONTROL_PREFIX
from emulator.control_api import ControlApi
from emulator.http import HttpServer, Request, Response
from emulator.runtime import Runtime
from emulator.s3 import S3Store
from emulator.state import EmulatorState

DEFAULT_ASYNC_BUCKET = "smq-async"


class Emulator:
    def __init__(self, results: AsyncResults | None = None) -> None:
        self.state = EmulatorState()
        self.server = HttpServer(self.handle)
        self._results = results
        self._runtime = Runtime(self.state, results)
        self._control = ControlApi(self.state, self.server.stats)
        # Read botocore's service model now, not on the first (timed) invocation.
        wire.request_headers(wire.INVOKE)
        wire.request_headers(wire.INVOKE_ASYNC)

    @classmethod
    async def create(
        cls, s3_endpoint_url: str | None = None, async_bucket: str = DEFAULT_ASYNC_BUCKET
    ) -> Emulator:
        """An emulator; with an S3 endpoint it also serves async inference into `async_bucket`."""
        if s3_endpoint_url is None:
            return cls()
        store = S3Store.connect(s3_endpoint_url)
        await store.ensure_bucket(async_bucket)
        return cls(AsyncResults(store, async_bucket))

    async def start(self, host: str, port: int) -> tuple[str, int]:
        return await self.server.start(host, port)

    async def close(self) -> None:
        await self.server.close()
        if self._results is not None:
            await self._results.close()

    async def handle(self, request: Request) -> Response:
        route = wire.route(request.path)
        if route is not None:
            operation, endpoint = route
            return await self._runtime.handle(request, operation, endpoint)
        if request.path.startswith(CONTROL_PREFIX):
            return await self._control.handle(request)
        return wire.unknown_operation(request.method, request.path)
