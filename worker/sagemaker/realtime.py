"""InvokeEndpoint: the job's input mapped onto the request, the answer onto the response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from producer.contract import EnableExplanations, Input
from producer.errors import InputError
from producer.limits import REALTIME_MAX_PAYLOAD_BYTES
from worker.sagemaker.errors import translate
from worker.sagemaker.payload import decode_body, encode_body
from worker.sagemaker.request import common_params

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

    from worker.sagemaker.lean import LeanRuntime, PendingCall

# SageMaker rejects real-time payloads above 6 MB; checking first saves a doomed upload (the
# producer refuses them at submit too; a job from elsewhere is checked again here).
MAX_PAYLOAD_BYTES = REALTIME_MAX_PAYLOAD_BYTES
_EXPLANATIONS = {EnableExplanations.YES: "1", EnableExplanations.NO: "0"}
# Optional request fields: job input attribute → InvokeEndpoint parameter.
_OPTIONAL = {
    "custom_attributes": "CustomAttributes",
    "target_model": "TargetModel",
    "target_variant": "TargetVariant",
    "target_container_hostname": "TargetContainerHostname",
    "inference_component_name": "InferenceComponentName",
    "session_id": "SessionId",
}


def build_request(inp: Input, job_id: str) -> dict[str, Any]:
    """InvokeEndpoint parameters; the InferenceId defaults to the job id to match both sides."""
    body = encode_body(inp.body, inp.content_type)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise InputError(
            f"variables.input.body: {len(body)} bytes exceeds the real-time limit of "
            f"{MAX_PAYLOAD_BYTES} bytes (use invocationType ASYNC)",
            code="PayloadTooLarge",
        )
    request = {**common_params(inp, job_id, _OPTIONAL), "Body": body}
    if inp.enable_explanations in _EXPLANATIONS:
        request["EnableExplanations"] = _EXPLANATIONS[inp.enable_explanations]
    return request


def invoke(client: SageMakerRuntimeClient | LeanRuntime, request: dict[str, Any]) -> dict[str, Any]:
    """Call the endpoint and return the connector response; AWS errors come out translated."""
    try:
        raw = client.invoke_endpoint(**request)
        payload = raw["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
    return _response(raw, payload)


def send(client: LeanRuntime, request: dict[str, Any]) -> PendingCall | None:
    """Start the call on the process's event loop; None when it does not go that way (then
    ``invoke``). Errors building the request come out translated, as from ``invoke``."""
    try:
        return client.send_invoke_endpoint(**request)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc


def received(pending: PendingCall) -> dict[str, Any]:
    """The connector response of a call ``send`` started, once it is answered."""
    try:
        raw = pending.result()
        payload = raw["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
    return _response(raw, payload)


def _response(raw: Mapping[str, Any], payload: bytes) -> dict[str, Any]:
    content_type = raw.get("ContentType")
    response = {
        "body": decode_body(payload, content_type),
        "contentType": content_type,
        "customAttributes": raw.get("CustomAttributes"),
        "invokedProductionVariant": raw.get("InvokedProductionVariant"),
    }
    for extra in ("NewSessionId", "ClosedSessionId"):
        if raw.get(extra):
            response[extra[0].lower() + extra[1:]] = raw[extra]
    return response
