"""The job and result contract, shared by producers, workers and adapters.

A job mirrors a Zeebe job of Camunda's SageMaker connector (task type
``io.camunda:aws-sagemaker:1``) so an adapter can pass the job's variables and headers
through untouched: enums in any case, numbers-as-strings, blank optional fields and unknown
properties are all accepted the way the connector accepts them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from producer.errors import FieldProblem, JobValidationError

TASK_TYPE = "io.camunda:aws-sagemaker:1"
JOB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"


def _blank_to_none(value: Any) -> Any:
    """The Modeler sends "" for optional fields left empty; treat them as absent."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]


def _any_case(enum: type[StrEnum], default: StrEnum | None = None) -> Any:
    """Accept an enum's values in any case (the connector does), blank meaning ``default``."""
    by_lower = {member.value.lower(): member for member in enum}

    def canonical(value: Any) -> Any:
        if default is not None and _blank_to_none(value) is None:
            return default
        return by_lower.get(value.strip().lower(), value) if isinstance(value, str) else value

    return Annotated[
        enum,
        BeforeValidator(canonical),
        Field(json_schema_extra={"description": "Any letter case is accepted."}),
    ]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class AuthenticationType(StrEnum):
    CREDENTIALS = "credentials"
    DEFAULT_CREDENTIALS_CHAIN = "defaultCredentialsChain"


class Authentication(_Model):
    """Static keys (usually ``{{secrets.…}}``) or boto3's default credential chain."""

    type: _any_case(AuthenticationType, AuthenticationType.CREDENTIALS) = (  # type: ignore[valid-type]
        AuthenticationType.CREDENTIALS
    )
    access_key: OptStr = Field(None, alias="accessKey")
    secret_key: OptStr = Field(None, alias="secretKey", json_schema_extra={"writeOnly": True})
    session_token: OptStr = Field(None, alias="sessionToken")

    @model_validator(mode="after")
    def _keys_for_credentials(self) -> Authentication:
        if self.type is AuthenticationType.CREDENTIALS and not (
            self.access_key and self.secret_key
        ):
            raise ValueError("accessKey and secretKey are required when type is credentials")
        return self


class Configuration(_Model):
    region: OptStr = None
    endpoint: OptStr = Field(None, description="Endpoint URL override; blank means boto3's own.")


class AwsCredential(_Model):
    """Connector-level credential; overrides inline authentication and region when present."""

    authentication: Authentication | None = None
    region: OptStr = None


class InvocationType(StrEnum):
    SYNC = "SYNC"
    ASYNC = "ASYNC"


class EnableExplanations(StrEnum):
    NOT_SET = "NOT_SET"
    YES = "YES"
    NO = "NO"


class Input(_Model):
    invocation_type: _any_case(InvocationType, InvocationType.SYNC) = Field(  # type: ignore[valid-type]
        InvocationType.SYNC, alias="invocationType"
    )
    endpoint_name: str = Field(alias="endpointName", min_length=1, max_length=63)
    body: Any = Field(None, description="Any JSON value; required for SYNC.")
    content_type: Annotated[
        str, BeforeValidator(lambda v: _blank_to_none(v) or "application/json")
    ] = Field("application/json", alias="contentType")
    accept: Annotated[str, BeforeValidator(lambda v: _blank_to_none(v) or "application/json")] = (
        Field("application/json")
    )
    custom_attributes: OptStr = Field(None, alias="customAttributes", max_length=1024)
    inference_id: OptStr = Field(None, alias="inferenceId", max_length=64)
    target_model: OptStr = Field(None, alias="targetModel", max_length=1024)
    target_variant: OptStr = Field(None, alias="targetVariant", max_length=63)
    target_container_hostname: OptStr = Field(None, alias="targetContainerHostname", max_length=63)
    inference_component_name: OptStr = Field(None, alias="inferenceComponentName")
    session_id: OptStr = Field(None, alias="sessionId", max_length=256)
    enable_explanations: _any_case(EnableExplanations, EnableExplanations.NOT_SET) = Field(  # type: ignore[valid-type]
        EnableExplanations.NOT_SET, alias="enableExplanations"
    )
    # ASYNC fields: validated here, used by the asynchronous path.
    input_location: OptStr = Field(None, alias="inputLocation")
    request_ttl_seconds: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(
        None, alias="requestTTLSeconds", ge=60, le=21600
    )
    invocation_timeout_seconds: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(
        None, alias="invocationTimeoutSeconds", ge=1, le=3600
    )
    s3_output_path_extension: OptStr = Field(None, alias="s3OutputPathExtension")
    filename: OptStr = Field(None, max_length=1024)
    await_completion: bool = Field(
        True,
        alias="awaitCompletion",
        description="ASYNC: false completes at once with the S3 locations (Camunda's behaviour).",
    )

    @model_validator(mode="after")
    def _body_for_sync(self) -> Input:
        if self.invocation_type is InvocationType.SYNC and "body" not in self.model_fields_set:
            raise ValueError("body is required when invocationType is SYNC")
        return self


class AwsAccess(_Model):
    """Who calls AWS, where: the variables a job's SageMaker and S3 clients are built from."""

    authentication: Authentication | None = None
    configuration: Configuration | None = None
    aws_credential: AwsCredential | None = Field(None, alias="awsCredential")

    @model_validator(mode="after")
    def _region_known(self) -> AwsAccess:
        if self.region is None:
            raise ValueError("a region is required: configuration.region or awsCredential.region")
        if self.auth is None:
            raise ValueError("authentication (or awsCredential.authentication) is required")
        return self

    @property
    def region(self) -> str | None:
        """``awsCredential.region`` wins over ``configuration.region``, as in the connector."""
        cred_region = self.aws_credential.region if self.aws_credential else None
        return cred_region or (self.configuration.region if self.configuration else None)

    @property
    def auth(self) -> Authentication | None:
        cred_auth = self.aws_credential.authentication if self.aws_credential else None
        return cred_auth or self.authentication

    @property
    def endpoint_url(self) -> str | None:
        return self.configuration.endpoint if self.configuration else None


ACCESS_FIELDS = ("authentication", "configuration", "awsCredential")


class Variables(AwsAccess):
    input: Input


class Headers(_Model):
    """Task headers the connector template sets; unknown ones are ignored."""

    result_variable: OptStr = Field(None, alias="resultVariable")
    result_expression: OptStr = Field(None, alias="resultExpression")
    error_expression: OptStr = Field(None, alias="errorExpression")
    retry_backoff: Annotated[timedelta | None, BeforeValidator(_blank_to_none)] = Field(
        None, alias="retryBackoff", description="ISO-8601 duration, e.g. PT30S."
    )
    job_timeout: Annotated[timedelta | None, BeforeValidator(_blank_to_none)] = Field(
        None, alias="jobTimeout", description="ISO-8601 duration."
    )
    element_template_id: OptStr = Field(None, alias="elementTemplateId")
    element_template_version: OptStr = Field(None, alias="elementTemplateVersion")


def _new_job_id() -> str:
    return uuid.uuid4().hex


class JobContext(_Model):
    """What a result needs from its job besides the call: kept alone while an asynchronous
    inference is pending, so Redis does not hold the whole job for hours."""

    id: str = Field(
        default_factory=_new_job_id,
        pattern=JOB_ID_PATTERN,
        description="Idempotency key; generated when absent.",
    )
    headers: Headers = Field(default_factory=Headers)
    retries: int = Field(3, ge=0, le=100)
    reply_to: OptStr = Field(None, alias="replyTo", description="Result stream name.")
    correlation: dict[str, Any] = Field(
        default_factory=dict, description="Any JSON object, echoed back in the result."
    )

    def context_json(self) -> str:
        """The smallest JSON that restores this context (defaults left out)."""
        context = JobContext(
            id=self.id,
            headers=self.headers,
            retries=self.retries,
            replyTo=self.reply_to,
            correlation=self.correlation,
        )
        return context.model_dump_json(by_alias=True, exclude_defaults=True)


class Job(JobContext):
    """One invocation job, as a producer submits it."""

    variables: Variables


class ErrorInfo(_Model):
    type: str = Field(
        description="Category: input, aws, response, internal; bpmnError or jobError when the "
        "job's errorExpression decided."
    )
    code: str = Field(description="AWS error code (ModelError, …) or one of the service's own.")
    message: str
    retryable: bool
    details: dict[str, Any] = Field(default_factory=dict)
    retries: int | None = Field(
        None, description="jobError: the retries the engine should give the job."
    )
    retry_backoff: str | None = Field(
        None, alias="retryBackoff", description="jobError: ISO-8601 backoff for the engine."
    )


class Result(_Model):
    """The one outcome of a job, posted to its result stream."""

    id: str
    status: Literal["completed", "failed", "bpmnError"]
    response: dict[str, Any] | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    error: ErrorInfo | None = None
    correlation: dict[str, Any] = Field(default_factory=dict)
    attempts: int = 0


def problems_of(exc: ValidationError) -> list[FieldProblem]:
    """Turn pydantic's errors into field paths a modeler can find (``variables.input.body``)."""
    problems = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        reason = str(err["msg"]).removeprefix("Value error, ")
        problems.append(FieldProblem(path, reason))
    return problems


def parse_job(document: Any, *, index: int | None = None) -> Job:
    """Validate one job document, raising ``JobValidationError`` with every bad field."""
    if not isinstance(document, dict):
        raise JobValidationError(
            [FieldProblem("", f"a job must be a JSON object, got {type(document).__name__}")],
            index=index,
        )
    try:
        return Job.model_validate(document)
    except ValidationError as exc:
        raise JobValidationError(problems_of(exc), index=index) from None
