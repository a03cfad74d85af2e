"""The SageMaker connector's variables as every engine hands them over: which ones to fetch
(and only those: never the whole process scope), the contract's cap on retries, and the
credential values written inline that must be masked in anything sent back."""

from __future__ import annotations

from typing import Any

FETCH_VARIABLES = ["authentication", "configuration", "input", "awsCredential"]
# The job contract caps retries at 100; an engine job with more is worked with 100.
MAX_RETRIES = 100
_CREDENTIAL_FIELDS = ("accessKey", "secretKey", "sessionToken")


def inline_secrets(variables: dict[str, Any]) -> frozenset[str]:
    """Credential values written into the variables themselves (not ``{{secrets.…}}``)."""
    found: set[str] = set()
    credential = variables.get("awsCredential")
    for auth in (
        variables.get("authentication"),
        credential.get("authentication") if isinstance(credential, dict) else None,
    ):
        if isinstance(auth, dict):
            for name in _CREDENTIAL_FIELDS:
                value = auth.get(name)
                if isinstance(value, str) and value and "{{" not in value:
                    found.add(value)
    return frozenset(found)
