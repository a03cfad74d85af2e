"""Completing InvokeEndpointAsync requests: after a delay, an output or a failure object in S3.

Like SageMaker, the emulator answers 202 with both locations at once and writes exactly one
of them later; a client polls S3 (or waits for a notification) to learn which.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from emulator.s3 import ObjectStore, ObjectUnreadable
from emulator.scripts import AsyncSpec

log = logging.getLogger(__name__)

OUTPUT_PREFIX = "async-output"
FAILURE_PREFIX = "async-failures"


@dataclass(frozen=True, slots=True)
class AsyncJob:
    endpoint: str
    inference_id: str
    output_uri: str
    failure_uri: str
    spec: AsyncSpec
    input_uri: str | None  # None: the input came inline, as `inline_body`
    inline_body: bytes
    reply_body: bytes | None  # the script's fixed response body; None echoes the input
    content_type: str
    released: asyncio.Event | None = None  # spec.hold: the endpoint's release


class AsyncResults:
    """Schedules async completions and keeps their tasks alive until they finish."""

    def __init__(self, store: ObjectStore, bucket: str) -> None:
        self._store = store
        self.bucket = bucket
        self._tasks: set[asyncio.Task[None]] = set()

    def locations(
        self, endpoint: str, inference_id: str, path_extension: str | None, filename: str | None
    ) -> tuple[str, str]:
        """(output URI, failure URI); S3OutputPathExtension and Filename shape the output's."""
        folder = f"{OUTPUT_PREFIX}/{endpoint}"
        if path_extension:
            folder = f"{folder}/{path_extension.strip('/')}"
        output = f"s3://{self.bucket}/{folder}/{filename or inference_id + '.out'}"
        failure = f"s3://{self.bucket}/{FAILURE_PREFIX}/{endpoint}/{inference_id}-error.out"
        return output, failure

    def submit(self, job: AsyncJob) -> None:
        task = asyncio.create_task(self._complete(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _complete(self, job: AsyncJob) -> None:
        jitter = random.uniform(0, job.spec.jitter_ms) if job.spec.jitter_ms else 0.0
        if job.spec.hold and job.released is not None:
            await job.released.wait()
            await asyncio.sleep(jitter / 1000)
        else:
            await asyncio.sleep((job.spec.delay_ms + jitter) / 1000)
        try:
            await self._write_result(job)
        except Exception:
            log.exception("async_result_not_written inference_id=%s", job.inference_id)

    async def _write_result(self, job: AsyncJob) -> None:
        if job.spec.fail:
            await self._fail(job, job.spec.failure_message)
            return
        body = job.reply_body
        if body is None:
            try:
                body = await self._input(job)
            except ObjectUnreadable as exc:
                # SageMaker fails the inference, not the submission, when the input is missing.
                await self._fail(job, f"could not read {job.input_uri}: {exc}")
                return
        await self._store.put(job.output_uri, body, job.content_type)

    async def _input(self, job: AsyncJob) -> bytes:
        if job.input_uri is None:
            return job.inline_body
        return await self._store.get(job.input_uri)

    async def _fail(self, job: AsyncJob, message: str) -> None:
        await self._store.put(job.failure_uri, message.encode(), "text/plain")

    async def close(self) -> None:
        """Abandon pending completions (as a crashed endpoint would) and release S3."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._store.close()
