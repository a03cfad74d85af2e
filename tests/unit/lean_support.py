"""What the lean path's two conformance suites share: the machine kept out of botocore's way,
and a fixed clock and invocation id, so two ways of sending sign the same request."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import botocore.auth
import pytest

CLOCK = datetime.datetime(2026, 12, 1, 12, 30, 15)
INVOCATION_ID = uuid.UUID("12345678-1234-4321-8765-123456789abc")
_AWS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_CA_BUNDLE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
)
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@contextmanager
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No credentials, config, endpoint or proxy from the machine; ``CLOCK`` and
    ``INVOCATION_ID`` for every signature."""
    for var in _AWS:
        monkeypatch.delenv(var, raising=False)
    for var in _PROXIES:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with (
        mock.patch.object(botocore.auth, "get_current_datetime", return_value=CLOCK),
        mock.patch("uuid.uuid4", return_value=INVOCATION_ID),
    ):
        yield
