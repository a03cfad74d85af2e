"""SageMaker Runtime's rest-json wire format, as botocore writes requests and parses answers.

Header names are read from botocore's own service model, so the emulator sees exactly what
the installed client sends (including members added in later botocore releases) and cannot
drift from it by a typo.
"""

from __future__ import annotations

import functools
import uuid
from urllib.parse import unquote

import botocore.session

from emulator.http import Response, json_response
from emulator.scripts import ErrorSpec

INVOKE = "InvokeEndpoint"
INVOKE_ASYNC = "InvokeEndpointAsync"
_OPERATIONS_BY_SUFFIX = {"invocations": INVOKE, "async-invocations": INVOKE_ASYNC}

# AWS services send x-amzn-ErrorType as "Code:<namespace url>" and botocore keeps what
# precedes the colon; sending that form exercises the same parsing path.
_ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.sagemaker.emulator/"


@functools.cache
def request_headers(operation: str) -> dict[str, str]:
    """boto3 parameter name -> lower-cased header name, for each header-bound input member."""
    model = botocore.session.get_session().get_service_model("sagemaker-runtime")
    shape = model.operation_model(operation).input_shape
    assert shape is not None  # both operations take input
    members = shape.members
    return {
        name: member.serialization["name"].lower()
        for name, member in members.items()
        if member.serialization.get("location") == "header"
    }


def read_params(operation: str, headers: dict[str, str]) -> dict[str, str]:
    """The header-bound boto3 parameters present on a request, keyed by parameter name."""
    return {
        name: headers[header]
        for name, header in request_headers(operation).items()
        if header in headers
    }


def route(path: str) -> tuple[str, str] | None:
    """(operation, endpoint name) for a runtime path, or None when it is not one we speak."""
    parts = path.split("/")
    if len(parts) != 4 or parts[0] or parts[1] != "endpoints" or not parts[2]:
        return None
    operation = _OPERATIONS_BY_SUFFIX.get(parts[3])
    return None if operation is None else (operation, unquote(parts[2]))


def _request_id() -> tuple[str, str]:
    # botocore copies it into ResponseMetadata.RequestId, as for real responses.
    return ("x-amzn-RequestId", str(uuid.uuid4()))


def error_response(error: ErrorSpec) -> Response:
    """An error botocore raises as ClientError with Error.Code == error.code.

    The code travels in the x-amzn-ErrorType header, which botocore's rest-json parser
    prefers over the body; the body carries Message and, for ModelError, the modeled members
    botocore copies to the top level of ``ClientError.response``.
    """
    document: dict[str, object] = {"Message": error.message or _default_message(error)}
    if error.original_status_code is not None:
        document["OriginalStatusCode"] = error.original_status_code
    if error.original_message is not None:
        document["OriginalMessage"] = error.original_message
    if error.log_stream_arn is not None:
        document["LogStreamArn"] = error.log_stream_arn
    headers = [("x-amzn-ErrorType", error.code + _ERROR_TYPE_SUFFIX), _request_id()]
    return json_response(error.http_status, document, headers)


def _default_message(error: ErrorSpec) -> str:
    if error.code == "ModelError":
        status = error.original_status_code or 500
        original = error.original_message or ""
        return f'Received server error ({status}) from primary with message "{original}".'
    return f"{error.code} (scripted in the SageMaker emulator)"


def invoke_response(
    body: bytes, content_type: str, variant: str, custom_attributes: str | None
) -> Response:
    """A successful InvokeEndpoint: the raw body is the payload, the rest rides in headers."""
    headers = [
        ("Content-Type", content_type),
        ("x-Amzn-Invoked-Production-Variant", variant),
        _request_id(),
    ]
    if custom_attributes is not None:
        headers.append(("X-Amzn-SageMaker-Custom-Attributes", custom_attributes))
    return Response(200, body, headers)


def async_accepted(inference_id: str, output_uri: str, failure_uri: str) -> Response:
    """InvokeEndpointAsync's 202: InferenceId has no location in the model, so it is JSON body."""
    headers = [
        ("X-Amzn-SageMaker-OutputLocation", output_uri),
        ("X-Amzn-SageMaker-FailureLocation", failure_uri),
        _request_id(),
    ]
    return json_response(202, {"InferenceId": inference_id}, headers)


def validation_error(message: str) -> Response:
    return error_response(ErrorSpec(code="ValidationError", message=message))


def unknown_operation(method: str, path: str) -> Response:
    return error_response(
        ErrorSpec(
            code="UnknownOperationException",
            status=404,
            message=f"the emulator does not speak {method} {path}",
        )
    )
