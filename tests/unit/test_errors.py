"""Transport-level botocore exceptions are classified without a response."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from worker.sagemaker.errors import translate


@pytest.mark.parametrize(
    ("exc", "code", "retryable"),
    [
        (ReadTimeoutError(endpoint_url="http://x"), "Timeout", True),
        (ConnectTimeoutError(endpoint_url="http://x"), "Timeout", True),
        (EndpointConnectionError(endpoint_url="http://x"), "ConnectionError", True),
        (NoCredentialsError(), "NoCredentials", False),
        (ValueError("boom"), "InternalError", False),
    ],
)
def test_translate(exc: Exception, code: str, retryable: bool) -> None:
    error = translate(exc)
    assert (error.code, error.retryable) == (code, retryable)
