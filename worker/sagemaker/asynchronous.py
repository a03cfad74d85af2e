"""InvokeEndpointAsync: stage an inline body in S3 if needed, start the inference, return at once.

The call only queues the inference; SageMaker writes the output (or a failure file) to S3
later. Tracking that is ``worker.poller``'s job, not a worker thread's: ``start`` hands the
started inference over, with its deadline, and the worker thread moves on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from producer.contract import Input, Job
from producer.errors import InputError
from worker.poller.schedule import first_check_delay
from worker.sagemaker.errors import translate
from worker.sagemaker.payload import encode_body
from worker.sagemaker.request import common_params

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

    from worker.sagemaker.clients import ClientCache
    from worker.sagemaker.lean import LeanRuntime
    from worker.settings import WorkerSettings
    from worker.store import Begun, JobStore

log = structlog.get_logger("worker.job")
# SageMaker's defaults when a job sets neither (seconds).
DEFAULT_REQUEST_TTL = 6 * 3600
DEFAULT_INVOCATION_TIMEOUT = 15 * 60

_OPTIONAL = {
    "custom_attributes": "CustomAttributes",
    "request_ttl_seconds": "RequestTTLSeconds",
    "invocation_timeout_seconds": "InvocationTimeoutSeconds",
    "s3_output_path_extension": "S3OutputPathExtension",
    "filename": "Filename",
}


@dataclass(frozen=True)
class Started:
    """What SageMaker answered: where the output or the failure will appear."""

    inference_id: str
    output_location: str
    failure_location: str

    def response(self) -> dict[str, Any]:
        """Camunda's async response: the three fields, no body."""
        return {
            "outputLocation": self.output_location,
            "failureLocation": self.failure_location,
            "inferenceId": self.inference_id,
        }


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` → ``("bucket", "a/b")``."""
    if not uri.startswith("s3://"):
        raise InputError(f"not an s3:// URI: {uri!r}", code="InvalidS3Uri")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise InputError(f"no bucket in {uri!r}", code="InvalidS3Uri")
    return bucket, key


def staging_location(staging_uri: str | None, job_id: str) -> str:
    """Where an inline body is uploaded: keyed by job id, so a redelivery overwrites, not adds."""
    if not staging_uri:
        raise InputError(
            "variables.input.inputLocation: required for ASYNC unless the worker has "
            "SMQ_STAGING_S3_URI set (then input.body is uploaded there)",
            code="InvalidJob",
        )
    bucket, prefix = split_s3_uri(staging_uri)
    prefix = prefix.strip("/")
    return f"s3://{bucket}/{prefix + '/' if prefix else ''}{job_id}.in"


def stage_body(s3: S3Client, inp: Input, location: str) -> None:
    bucket, key = split_s3_uri(location)
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=encode_body(inp.body, inp.content_type),
            ContentType=inp.content_type,
        )
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc


def build_request(inp: Input, job_id: str, input_location: str) -> dict[str, Any]:
    return {**common_params(inp, job_id, _OPTIONAL), "InputLocation": input_location}


def invoke(client: SageMakerRuntimeClient | LeanRuntime, request: dict[str, Any]) -> Started:
    try:
        raw = client.invoke_endpoint_async(**request)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
    return Started(
        inference_id=raw.get("InferenceId") or request.get("InferenceId", ""),
        output_location=raw["OutputLocation"],
        failure_location=raw.get("FailureLocation", ""),
    )


def start(
    job: Job,
    raw_variables: Any,
    begun: Begun,
    clients: ClientCache,
    store: JobStore,
    settings: WorkerSettings,
) -> dict[str, Any] | None:
    """Start the inference; None once the poller tracks it, or Camunda's three locations at
    once when the job says ``awaitCompletion: false``.

    ``raw_variables`` are the stored (unresolved) variables: the poller keeps those, with
    placeholders, and resolves them itself.
    """
    inp = job.variables.input
    location = inp.input_location or begun.staged_input
    if location is None:
        location = staging_location(settings.staging_s3_uri, job.id)
        stage_body(clients.s3(job.variables), inp, location)
        store.record_staged(job.id, location)
    started = invoke(clients.runtime(job.variables), build_request(inp, job.id, location))
    log.info(
        "async_invoked",
        inference_id=started.inference_id,
        output_location=started.output_location,
    )
    if not inp.await_completion:
        return started.response()
    now = time.time()
    store.track(
        job,
        raw_variables,
        begun,
        started,
        deadline=now + deadline_after(inp, settings.async_deadline_margin),
        first_check=now + first_check_delay(settings.async_backoff_initial),
    )
    return None


def deadline_after(inp: Input, margin: float) -> float:
    """Seconds after the start past which no output will come: SageMaker's request TTL and
    invocation timeout (its defaults when unset) plus our margin."""
    ttl = inp.request_ttl_seconds or DEFAULT_REQUEST_TTL
    timeout = inp.invocation_timeout_seconds or DEFAULT_INVOCATION_TIMEOUT
    return ttl + timeout + margin
