"""What the ingress dispatcher makes of one entry (adapters/ingress/triage.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.ingress.triage import Accepted, Rejected, triage

ENTRY = "1700000000000-0"
VALID: dict[str, Any] = {
    "variables": {
        "authentication": {"type": "defaultCredentialsChain"},
        "configuration": {"region": "us-east-1"},
        "input": {"endpointName": "ep", "body": {}},
    }
}


def entry(document: Any) -> dict[str, str]:
    return {"job": document if isinstance(document, str) else json.dumps(document)}


@pytest.mark.parametrize(
    ("document", "job_id"),
    [
        ({**VALID, "id": "order-1"}, "order-1"),
        (VALID, f"ingress-{ENTRY}"),  # no id: named after the entry, so a redelivery is one job
        ({**VALID, "id": "  "}, f"ingress-{ENTRY}"),
    ],
)
def test_valid_jobs_are_accepted_with_an_id(document: dict[str, Any], job_id: str) -> None:
    verdict = triage(ENTRY, entry(document), "job")

    assert isinstance(verdict, Accepted)
    assert verdict.document["id"] == job_id


@pytest.mark.parametrize(
    ("fields", "job_id", "reply_to", "paths", "reason"),
    [
        ({"job": "{not json"}, f"ingress-{ENTRY}", None, {""}, "not JSON"),
        ({"other": "x"}, f"ingress-{ENTRY}", None, {""}, "no 'job' field"),
        (entry([VALID]), f"ingress-{ENTRY}", None, {""}, "JSON object"),
        (
            entry({"id": "j1", "replyTo": "mine", "variables": {"input": {"body": 1}}}),
            "j1",
            "mine",
            {"variables.input.endpointName"},
            "endpointName",
        ),
        (  # an id that is not one: answered under the entry's name
            entry({**VALID, "id": "has space", "retries": 500}),
            f"ingress-{ENTRY}",
            None,
            {"id", "retries"},
            "retries",
        ),
    ],
)
def test_invalid_entries_are_rejected_with_every_path(
    fields: dict[str, str], job_id: str, reply_to: str | None, paths: set[str], reason: str
) -> None:
    verdict = triage(ENTRY, fields, "job")

    assert isinstance(verdict, Rejected)
    assert (verdict.job_id, verdict.reply_to) == (job_id, reply_to)
    assert reason in verdict.reason
    result = verdict.result()
    assert result.status == "failed" and result.error is not None
    assert result.error.code == "InvalidJob" and result.error.type == "input"
    assert {p["path"] for p in result.error.details["problems"]} == paths
    assert result.error.details["entry"] == ENTRY
