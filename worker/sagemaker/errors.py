"""botocore exceptions → the service's error tree: the one place AWS errors are classified.

| AWS code / exception                                   | class          | retried |
|--------------------------------------------------------|----------------|---------|
| ModelError (424), ValidationError (400)                | PermanentError | no      |
| AccessDenied*, UnrecognizedClient, InvalidSignature,   | PermanentError | no      |
| ExpiredToken*, InvalidClientTokenId, missing creds     |                |         |
| ThrottlingException, ModelNotReadyException (429),     | RetryableError | yes     |
| InternalFailure (500), ServiceUnavailable (503),       |                |         |
| InternalDependencyException (530)                      |                |         |
| connection errors, connect/read timeouts               | RetryableError | yes     |
| any other code: 429 and 5xx retried, the rest not      |                |         |
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from producer.errors import InputError, PermanentError, RetryableError, SmqError

PERMANENT_CODES = frozenset(
    {
        "ModelError",
        "ValidationError",
        "ValidationException",
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ModelNotReadyException",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "InternalDependencyException",
        "RequestTimeout",
    }
)
# Extra members SageMaker puts on a ModelError: kept so a modeler can see the container's side.
_MODEL_ERROR_FIELDS = ("OriginalStatusCode", "OriginalMessage", "LogStreamArn")


def translate(exc: Exception) -> SmqError:
    """The service error for a botocore exception (anything else is an internal error)."""
    if isinstance(exc, ClientError):
        return _client_error(exc)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return RetryableError(f"SageMaker call timed out: {exc}", code="Timeout")
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError):
        return RetryableError(f"cannot reach SageMaker: {exc}", code="ConnectionError")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return PermanentError(f"no usable AWS credentials: {exc}", code="NoCredentials")
    if isinstance(exc, ParamValidationError):
        return InputError(f"request rejected by boto3: {exc}", code="InvalidParameter")
    if isinstance(exc, BotoCoreError):
        return RetryableError(f"AWS client error: {exc}", code=type(exc).__name__)
    return SmqError(f"unexpected {type(exc).__name__}: {exc}")


def _client_error(exc: ClientError) -> SmqError:
    response: dict[str, Any] = dict(exc.response)
    error = response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or exc)
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    details: dict[str, Any] = {"httpStatus": status}
    details.update({f: response[f] for f in _MODEL_ERROR_FIELDS if f in response})
    if code in RETRYABLE_CODES or (code not in PERMANENT_CODES and _transient(status)):
        return RetryableError(message, code=code, details=details)
    return PermanentError(message, code=code, details=details)


def _transient(status: int) -> bool:
    return status == 429 or status >= 500
