"""What InvokeEndpoint and InvokeEndpointAsync requests have in common."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from producer.contract import Input

# SageMaker's limit on InferenceId; a longer job id is not sent as one.
MAX_INFERENCE_ID = 64


def common_params(inp: Input, job_id: str, optional: Mapping[str, str]) -> dict[str, Any]:
    """Endpoint, content types, the ``optional`` pass-through fields (input attribute →
    request parameter) that are set, and the InferenceId — the job id unless the job names
    one, so an operator can match the two sides."""
    request: dict[str, Any] = {
        "EndpointName": inp.endpoint_name,
        "ContentType": inp.content_type,
        "Accept": inp.accept,
    }
    for attr, param in optional.items():
        value = getattr(inp, attr)
        if value is not None:
            request[param] = value
    inference_id = inp.inference_id or (job_id if len(job_id) <= MAX_INFERENCE_ID else None)
    if inference_id:
        request["InferenceId"] = inference_id
    return request
