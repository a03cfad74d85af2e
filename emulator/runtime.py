"""InvokeEndpoint and InvokeEndpointAsync: pick the answer from the script, record, reply.

The answer is decided (and the invocation recorded) when the request arrives; the scripted
latency is then awaited, so hundreds of slow invocations cost hundreds of sleeping
coroutines, not threads.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from emulator import wire
from emulator.async_results import AsyncJob, AsyncResults
from emulator.http import Request, Response
from emulator.s3 import parse_s3_uri
from emulator.scripts import Plan, ReplySpec
from emulator.state import EmulatorState, EndpointState

_ECHO = ReplySpec()
_DEFAULT_VARIANT = "AllTraffic"
_OCTET_STREAM = "application/octet-stream"


class Runtime:
    def __init__(self, state: EmulatorState, results: AsyncResults | None) -> None:
        self._state = state
        self._results = results

    async def handle(self, request: Request, operation: str, endpoint: str) -> Response:
        if request.method != "POST":
            return wire.unknown_operation(request.method, request.path)
        self._state.note_invocation(request.connection)
        if operation == wire.INVOKE:
            return await self._invoke(request, endpoint)
        return self._invoke_async(request, endpoint)

    async def _invoke(self, request: Request, endpoint: str) -> Response:
        params = wire.read_params(wire.INVOKE, request.headers)
        state = self._state.endpoint(endpoint)
        plan = state.cursor.next_plan(time.monotonic())
        response = _answer(plan, request.body, params)
        inference_id = params.get("InferenceId")
        error_code = None if plan.error is None else plan.error.code
        state.log.add(
            _record(wire.INVOKE, endpoint, request, params, inference_id, response, error_code)
        )
        if plan.latency_s:
            self._state.in_flight_changed(+1)
            try:
                await asyncio.sleep(plan.latency_s)
            finally:
                self._state.in_flight_changed(-1)
        return response

    def _invoke_async(self, request: Request, endpoint: str) -> Response:
        params = wire.read_params(wire.INVOKE_ASYNC, request.headers)
        inference_id = params.get("InferenceId") or str(uuid.uuid4())
        state = self._state.endpoint(endpoint)
        problem = self._async_problem(request, params)
        if problem is None:
            response = self._accept_async(request, endpoint, inference_id, params, state)
        else:
            response = wire.validation_error(problem)
        error_code = None if problem is None else "ValidationError"
        state.log.add(
            _record(
                wire.INVOKE_ASYNC, endpoint, request, params, inference_id, response, error_code
            )
        )
        return response

    def _async_problem(self, request: Request, params: dict[str, str]) -> str | None:
        if self._results is None:
            return (
                "InvokeEndpointAsync needs S3: start the emulator with --s3-builtin "
                "or --s3-endpoint-url"
            )
        input_uri = params.get("InputLocation")
        if (input_uri is None) == (not request.body):
            return "give exactly one of InputLocation and Body"
        if input_uri is not None:
            try:
                parse_s3_uri(input_uri)
            except ValueError as exc:
                return f"InputLocation: {exc}"
        return None

    def _accept_async(
        self,
        request: Request,
        endpoint: str,
        inference_id: str,
        params: dict[str, str],
        state: EndpointState,
    ) -> Response:
        assert self._results is not None  # checked by _async_problem
        output_uri, failure_uri = self._results.locations(
            endpoint, inference_id, params.get("S3OutputPathExtension"), params.get("Filename")
        )
        reply = state.script.response or _ECHO
        job = AsyncJob(
            endpoint=endpoint,
            inference_id=inference_id,
            output_uri=output_uri,
            failure_uri=failure_uri,
            spec=state.script.async_,
            input_uri=params.get("InputLocation"),
            inline_body=request.body,
            reply_body=reply.payload(),
            content_type=reply.content_type or _negotiated_type(params),
            released=state.released,
        )
        self._results.submit(job)
        return wire.async_accepted(inference_id, output_uri, failure_uri)


def _answer(plan: Plan, body: bytes, params: dict[str, str]) -> Response:
    if plan.error is not None:
        return wire.error_response(plan.error)
    reply = plan.reply or _ECHO
    payload = reply.payload()
    custom_attributes = reply.custom_attributes
    return wire.invoke_response(
        body=body if payload is None else payload,
        content_type=reply.content_type or _negotiated_type(params),
        variant=reply.invoked_production_variant or params.get("TargetVariant", _DEFAULT_VARIANT),
        custom_attributes=params.get("CustomAttributes")
        if custom_attributes is None
        else custom_attributes,
    )


def _negotiated_type(params: dict[str, str]) -> str:
    """What a well-behaved container answers: the Accept asked for, else the input's type."""
    accept = params.get("Accept")
    if accept and accept != "*/*":
        return accept
    return params.get("ContentType") or _OCTET_STREAM


def _record(
    operation: str,
    endpoint: str,
    request: Request,
    params: dict[str, str],
    inference_id: str | None,
    response: Response,
    error_code: str | None,
) -> dict[str, Any]:
    return {
        "operation": operation,
        "endpoint": endpoint,
        "time": time.time(),
        "inferenceId": inference_id,
        "bodyLength": len(request.body),
        "params": params,
        "status": response.status,
        "errorCode": error_code,
        "connection": request.connection.id,
    }
