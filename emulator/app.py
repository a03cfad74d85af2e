"""The emulator assembled: one HTTP server routing to the runtime, control or S3 API.

The first path segment decides: ``endpoints`` is SageMaker Runtime, ``_emulator`` the
control API, anything else a bucket of the built-in S3 (path-style addressing).
"""

from __future__ import annotations

from emulator import wire
from emulator.async_results import AsyncResults
from emulator.control_api import ControlApi
from emulator.http import HttpServer, Request, Response
from emulator.runtime import Runtime
from emulator.s3 import ObjectStore, RemoteStore
from emulator.s3api import S3Api
from emulator.s3store import BuiltinStore, MemoryS3
from emulator.state import EmulatorState

DEFAULT_ASYNC_BUCKET = "smq-async"
RUNTIME_SEGMENT = "endpoints"
CONTROL_SEGMENT = "_emulator"


class Emulator:
    def __init__(self, s3: MemoryS3 | None = None, results: AsyncResults | None = None) -> None:
        self.state = EmulatorState()
        self.server = HttpServer(self.handle)
        self.s3 = MemoryS3() if s3 is None else s3
        self._results = results
        self._runtime = Runtime(self.state, results)
        self._s3_api = S3Api(self.s3)
        self._control = ControlApi(self.state, self.server.stats, self._s3_api)
        # Read botocore's service model now, not on the first (timed) invocation.
        wire.request_headers(wire.INVOKE)
        wire.request_headers(wire.INVOKE_ASYNC)

    @classmethod
    async def create(
        cls,
        s3_endpoint_url: str | None = None,
        async_bucket: str = DEFAULT_ASYNC_BUCKET,
        *,
        s3_builtin: bool = False,
    ) -> Emulator:
        """An emulator; with an S3 (an external one at `s3_endpoint_url`, or the built-in
        one) it also serves async inference into `async_bucket`, created if missing."""
        if s3_builtin and s3_endpoint_url is not None:
            raise ValueError("choose the built-in S3 or an external one, not both")
        memory = MemoryS3()
        store: ObjectStore
        if s3_builtin:
            store = BuiltinStore(memory)
        elif s3_endpoint_url is not None:
            store = RemoteStore.connect(s3_endpoint_url)
        else:
            return cls(memory)
        await store.ensure_bucket(async_bucket)
        return cls(memory, AsyncResults(store, async_bucket))

    async def start(self, host: str, port: int) -> tuple[str, int]:
        return await self.server.start(host, port)

    async def close(self) -> None:
        await self.server.close()
        if self._results is not None:
            await self._results.close()

    async def handle(self, request: Request) -> Response:
        segment = request.path[1:].partition("/")[0]
        if segment == RUNTIME_SEGMENT:
            route = wire.route(request.path)
            if route is None:
                return wire.unknown_operation(request.method, request.path)
            operation, endpoint = route
            return await self._runtime.handle(request, operation, endpoint)
        if segment == CONTROL_SEGMENT:
            return await self._control.handle(request)
        return await self._s3_api.handle(request)
