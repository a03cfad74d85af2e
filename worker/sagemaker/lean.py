"""InvokeEndpoint and InvokeEndpointAsync without botocore's generic request pipeline.

A call through the botocore client costs about as much client-side CPU as the rest of a job
put together (README Performance), and most of it is machinery that two fixed operations do
not need: a dozen event emissions, the model-driven serializer, the endpoint ruleset evaluated
per call, the retry handler, the response parser. This path keeps what makes the request
right and does the rest directly:

- kept, botocore's own: the endpoint its ruleset resolves for the client (resolved once: no
  ruleset parameter of SageMaker Runtime depends on the call), the request-created handlers —
  ``RequestSigner`` (SigV4 with the client's credentials, refreshed as botocore refreshes
  them), the user agent, the retry headers — the before-call handlers, the client's HTTP
  settings (TLS, proxies, timeouts), and for errors its parser and exception factory, so
  an error is raised exactly as the client raises it;
- sent by ``worker/sagemaker/transport.py`` on the process's event loop when given one and no
  thread waits for the call (``send_invoke_endpoint``); on the client's own HTTP session
  otherwise, and for what that transport does not cover;
- done here: the request from the service model's URI and header bindings (read from the
  model once), and a success read from the response headers the model names.

``tests/unit/test_lean_conformance.py`` proves it: the same request (method, URL, headers,
body, signature for a fixed clock) and the same mapped response or error as the client, over
a matrix of inputs. What the path does not cover goes to the client: a parameter it does not
bind, a body that is not bytes, a client with retries on or event handlers this module does
not know (another botocore may add some), an endpoint ruleset asking for headers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSRequest, prepare_request_dict
from botocore.context import start_as_current_context
from botocore.endpoint import convert_to_response_dict
from botocore.response import StreamingBody
from botocore.utils import percent_encode

from worker.sagemaker.transport import LoopTransport

# The handlers botocore 1.44 registers on a runtime client for these operations, by event. A
# client with any other handler (or none of these) is not one this module was checked against.
_RUN = {  # emitted here as the client emits them
    "before-call": {
        "botocore.handlers.add_recursion_detection_header",
        "botocore.handlers.inject_api_version_header_if_needed",
    },
    "request-created": {
        "botocore.signers.RequestSigner.handler",
        "botocore.retries.standard.MaxAttemptsSeeder.seed_max_attempts",
        "botocore.useragent.UserAgentString.rebuild_and_replace_user_agent_handler",
        "botocore.handlers.add_retry_headers",
    },
    "choose-signer": {  # emitted by RequestSigner.sign
        "botocore.handlers.set_operation_specific_signer",
        "botocore.handlers._set_auth_scheme_preference_signer",
    },
}
_SKIPPED = {  # not emitted here: what each does for these operations is nothing, as checked
    # no member is an idempotency token and there is no checksum trait (checked below)
    "before-parameter-build": {
        "botocore.handlers.generate_idempotent_uuid",
        "botocore.handlers._handle_request_validation_mode_member",
    },
    # with one attempt allowed there is never a retry, so no retry quota to take or give back
    "needs-retry": {"botocore.retries.standard.RetryHandler.needs_retry"},
    "after-call": {"botocore.retries.standard.RetryQuotaChecker.release_retry_quota"},
}
_EMPTY = (
    "provide-client-params",
    "before-endpoint-resolution",
    "before-sign",
    "before-send",
    "before-parse",
    "response-received",
    "after-call-error",
)


@dataclass(frozen=True)
class _Operation:
    """One operation as the service model binds it: URI, request and response headers."""

    name: str
    method: str
    uri: str  # "/endpoints/{EndpointName}/invocations"
    headers: dict[str, tuple[str, type]]  # parameter → (header, the Python type it takes)
    body: str | None  # the blob payload parameter
    stream_output: bool
    success_headers: tuple[tuple[str, str], ...]  # (response field, header)
    model: Any


class LeanRuntime:
    """A SageMaker Runtime client's two invoke calls, the lean way where covered.

    Answers like the botocore client: the same response fields, the same exceptions. Thread-
    safe as the client is: every call builds its own request; the shared parts are read-only.
    """

    def __init__(
        self, client: Any, *, enabled: bool = True, transport: LoopTransport | None = None
    ) -> None:
        self.client = client
        self._transport = transport
        self._ops: dict[str, tuple[_Operation, str, dict[str, Any]]] = {}
        try:
            if enabled and _one_attempt(client):
                for name in ("InvokeEndpoint", "InvokeEndpointAsync"):
                    self._prepare(name)
        except (AttributeError, KeyError, TypeError, ValueError):
            # A botocore whose internals differ from the ones checked: the client does it all.
            self._ops.clear()

    @property
    def lean(self) -> bool:
        """Whether both calls take the lean path (when their parameters are covered)."""
        return len(self._ops) == 2

    def invoke_endpoint(self, **params: Any) -> dict[str, Any]:
        return self._invoke("InvokeEndpoint", self.client.invoke_endpoint, params)

    def invoke_endpoint_async(self, **params: Any) -> dict[str, Any]:
        return self._invoke("InvokeEndpointAsync", self.client.invoke_endpoint_async, params)

    def send_invoke_endpoint(self, **params: Any) -> PendingCall | None:
        """InvokeEndpoint sent on the event loop without waiting for it: the caller keeps its
        thread for other jobs. None when this call would not go that way (no transport, not
        covered): the caller calls ``invoke_endpoint``, which answers the same."""
        prepared = self._ops.get("InvokeEndpoint")
        session = self.client._endpoint.http_session
        if self._transport is None or prepared is None or not _covered(prepared[0], params):
            return None
        request = self._request(*prepared, params)
        if not self._transport.covers(session, request.url):
            return None
        return PendingCall(self, prepared[0], self._transport.submit(request, session))

    def _invoke(
        self, name: str, by_client: Callable[..., dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        """The lean call when prepared and covered; else the client's own."""
        prepared = self._ops.get(name)
        if prepared is None or not _covered(prepared[0], params):
            return by_client(**params)
        return self._call(*prepared, params)

    # --- building ----------------------------------------------------------------------
    def _prepare(self, name: str) -> None:
        client = self.client
        model = client._service_model.operation_model(name)
        if not _plain(model) or not _known_handlers(client, name):
            return
        op = _operation(model)
        # What _make_api_call puts in the request context before resolving the endpoint.
        context: dict[str, Any] = {
            "client_region": client.meta.region_name,
            "client_config": client.meta.config,
            "has_streaming_input": model.has_streaming_input,
            "auth_type": model.resolved_auth_type,
            "unsigned_payload": model.unsigned_payload,
            "auth_options": client._service_model.metadata.get("auth"),
        }
        if model.auth and client.meta.config.auth_scheme_preference:
            return  # resolve_auth_scheme_preference per call: not covered
        sample = {"EndpointName": "sample"}
        url, headers, properties = client._resolve_endpoint_ruleset(model, sample, context)
        if headers:
            return
        if properties:
            context["endpoint_properties"] = properties
        self._ops[name] = (op, url, context)

    # --- calling -----------------------------------------------------------------------
    def _call(
        self, op: _Operation, endpoint_url: str, template: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        """A call its thread waits for: sent from that thread on the client's HTTP session.
        The event loop carries only calls no thread waits on (``send_invoke_endpoint``); for
        one that a thread waits on anyway it would add two thread hand-offs (a message of one
        job answered ~0.25 ms later at light load, at the same CPU; README Performance)."""
        prepared = self._request(op, endpoint_url, template, params)
        return self.answer(op, self.client._endpoint.http_session.send(prepared))

    def _request(
        self, op: _Operation, endpoint_url: str, template: dict[str, Any], params: dict[str, Any]
    ) -> AWSPreparedRequest:
        """The signed request, as the client would hand it to its HTTP session."""
        client = self.client
        # In the caller's order, None left out, values as str(): as the rest serializer does.
        bound = op.headers
        headers = {bound[k][0]: str(v) for k, v in params.items() if k in bound and v is not None}
        request_dict: dict[str, Any] = {
            "url_path": op.uri.replace("{EndpointName}", percent_encode(params["EndpointName"])),
            "query_string": {},
            "method": op.method,
            "headers": headers,
            "body": params.get(op.body, b"") if op.body else b"",
        }
        context = dict(template)
        with start_as_current_context():
            # As _convert_to_request_dict, before-call, then Endpoint._send_request.
            # The user agent is built once, by the request-created handler that rebuilds it
            # with this call's features (botocore builds it here too, then again there).
            prepare_request_dict(
                request_dict, endpoint_url=endpoint_url, context=context, user_agent="-"
            )
            events = client.meta.events
            service_id = client._service_model.service_id.hyphenize()
            events.emit(
                f"before-call.{service_id}.{op.name}",
                model=op.model,
                params=request_dict,
                request_signer=client._request_signer,
                context=context,
            )
            context["retries"] = {"attempt": 1, "invocation-id": str(uuid.uuid4())}
            request = _Request(
                method=request_dict["method"],
                url=request_dict["url"],
                data=request_dict["body"],
                headers=request_dict["headers"],
            )
            request.context = context
            request.stream_output = op.stream_output
            events.emit(
                f"request-created.{service_id}.{op.name}", request=request, operation_name=op.name
            )
            prepared: AWSPreparedRequest = client._endpoint.prepare_request(request)
            return prepared

    def answer(self, op: _Operation, http: Any) -> dict[str, Any]:
        """The response as the client returns it, or its exception raised."""
        if http.status_code >= 300:
            self._raise(op, http)
        return self._parsed(op, http)

    def _parsed(self, op: _Operation, http: Any) -> dict[str, Any]:
        headers = http.headers
        parsed: dict[str, Any] = {
            "ResponseMetadata": {
                "RequestId": headers.get("x-amzn-requestid", ""),
                "HTTPStatusCode": http.status_code,
                "HTTPHeaders": headers,
                "RetryAttempts": 0,
            }
        }
        for field, header in op.success_headers:
            if header in headers:
                parsed[field] = headers[header]
        if op.stream_output:
            parsed["Body"] = StreamingBody(http.raw, headers.get("content-length"))
        else:
            # InvokeEndpointAsync: the body's JSON members, by botocore's parser (rare path).
            response_dict = convert_to_response_dict(http, op.model)
            body = self._parser().parse(response_dict, op.model.output_shape)
            parsed.update({k: v for k, v in body.items() if k != "ResponseMetadata"})
        return parsed

    def _raise(self, op: _Operation, http: Any) -> None:
        """The error as the client raises it: botocore's parser, modeled fields, exception."""
        endpoint = self.client._endpoint
        response_dict = convert_to_response_dict(http, op.model)
        parser = self._parser()
        parsed = parser.parse(response_dict, op.model.output_shape)
        endpoint._add_modeled_error_fields(response_dict, parsed, op.model, parser)
        parsed.setdefault("ResponseMetadata", {})["RetryAttempts"] = 0
        code = parsed.get("Error", {}).get("Code")
        raise self.client.exceptions.from_code(code)(parsed, op.name)

    def _parser(self) -> Any:
        endpoint = self.client._endpoint
        protocol = self.client._service_model.resolved_protocol
        return endpoint._response_parser_factory.create_parser(protocol)


class PendingCall:
    """A call on its way: ``result()`` waits, then answers as ``invoke_endpoint`` would."""

    __slots__ = ("_op", "_runtime", "future")

    def __init__(self, runtime: LeanRuntime, op: _Operation, future: Future[Any]) -> None:
        self._runtime = runtime
        self._op = op
        self.future = future

    def result(self) -> dict[str, Any]:
        return self._runtime.answer(self._op, self.future.result())


class _Request(AWSRequest):
    """botocore's request, whose ``body`` is its bytes as they are: AWSRequest prepares a whole
    copy of itself for each read of ``body``, and the signer reads it to hash the payload.
    For bytes that copy's body is the same bytes (b"" becomes None, which hashes the same)."""

    @property  # the stubs say str: botocore hands the signer bytes (or None) here
    def body(self) -> bytes | None:  # type: ignore[override]
        data: bytes | None = self.data
        return data or None


def _operation(model: Any) -> _Operation:
    bound = model.input_shape.members
    types = {"string": str, "integer": int}
    headers = {
        param: (shape.serialization["name"], types[shape.type_name])
        for param, shape in bound.items()
        if shape.serialization.get("location") == "header"
    }
    payload = model.input_shape.serialization.get("payload")
    success = tuple(
        (field, shape.serialization["name"])
        for field, shape in model.output_shape.members.items()
        if shape.serialization.get("location") == "header"
    )
    return _Operation(
        name=model.name,
        method=model.http["method"],
        uri=model.http["requestUri"],
        headers=headers,
        body=payload,
        stream_output=bool(model.has_streaming_output),
        success_headers=success,
        model=model,
    )


def _plain(model: Any) -> bool:
    """The operation uses nothing of the pipeline this module leaves out."""
    members = model.input_shape.members
    uri_params = [p for p, s in members.items() if s.serialization.get("location") == "uri"]
    locations = {s.serialization.get("location") for s in members.values()}
    payload = model.input_shape.serialization.get("payload")
    return (
        uri_params == ["EndpointName"]
        and locations <= {"uri", "header", None}
        and (payload is None or members[payload].type_name == "blob")
        and not any(s.metadata.get("idempotencyToken") for s in members.values())
        and not model.http_checksum
        and model.request_compression is None
        and not model.has_event_stream_output
        and not model.endpoint_discovery
        and model.service_model.resolved_protocol == "rest-json"
    )


def _covered(op: _Operation, params: dict[str, Any]) -> bool:
    """Parameters this path binds, with the types it was checked with."""
    for key, value in params.items():
        if key == op.body:
            expected: type = bytes
        elif key == "EndpointName":
            expected = str
        elif key in op.headers:
            expected = op.headers[key][1]
        else:
            return False
        # bool is an int, and str(True) is not what the serializer sends for an integer.
        if value is not None and (type(value) is not expected):
            return False
    return isinstance(params.get("EndpointName"), str)


def _one_attempt(client: Any) -> bool:
    retries = client.meta.config.retries or {}
    return bool(retries.get("total_max_attempts") == 1 and retries.get("mode") == "standard")


def _known_handlers(client: Any, operation: str) -> bool:
    emitter = client.meta.events._emitter
    service_id = client._service_model.service_id.hyphenize()

    def names(event: str) -> set[str]:
        found = emitter._handlers.prefix_search(f"{event}.{service_id}.{operation}")
        return {f"{getattr(h, '__module__', '')}.{getattr(h, '__qualname__', h)}" for h in found}

    expected = {**_RUN, **_SKIPPED}
    return all(names(e) == expected[e] for e in expected) and not any(names(e) for e in _EMPTY)
