"""The job contract: Camunda-shaped variables in, clear field paths out."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from producer.contract import (
    AuthenticationType,
    EnableExplanations,
    InvocationType,
    parse_job,
)
from producer.errors import JobValidationError

CAMUNDA_JOB: dict[str, Any] = {
    "variables": {
        "authentication": {
            "type": "credentials",
            "accessKey": "{{secrets.AWS_ACCESS_KEY}}",
            "secretKey": "{{secrets.AWS_SECRET_KEY}}",
        },
        "configuration": {"region": "eu-central-1", "endpoint": ""},
        "input": {
            "invocationType": "SYNC",
            "endpointName": "churn-model",
            "body": {"features": [1, 2, 3]},
            "contentType": "application/json",
            "accept": "application/json",
            "customAttributes": "",
            "enableExplanations": "NOT_SET",
        },
    },
    "headers": {
        "elementTemplateId": "io.camunda.connectors.AWSSAGEMAKER.v1",
        "elementTemplateVersion": "5",
        "resultVariable": "prediction",
        "retryBackoff": "PT30S",
    },
}


def job_with(**changes: Any) -> dict[str, Any]:
    """CAMUNDA_JOB with dotted-path changes applied (value None deletes the key)."""
    doc = copy.deepcopy(CAMUNDA_JOB)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = doc
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return doc


def problems(doc: Any) -> dict[str, str]:
    with pytest.raises(JobValidationError) as info:
        parse_job(doc)
    return {p.path: p.reason for p in info.value.problems}


def test_camunda_shaped_job_is_accepted_with_connector_defaults() -> None:
    job = parse_job(CAMUNDA_JOB)

    inp = job.variables.input
    assert inp.invocation_type is InvocationType.SYNC
    assert inp.custom_attributes is None  # blank means absent
    assert job.variables.endpoint_url is None
    assert job.variables.region == "eu-central-1"
    assert job.headers.retry_backoff == timedelta(seconds=30)
    assert job.retries == 3
    assert len(job.id) == 32  # generated


@pytest.mark.parametrize("value", ["sync", "Sync", "SYNC"])
def test_enums_accept_any_case(value: str) -> None:
    job = parse_job(
        job_with(
            variables__input__invocationType=value,
            variables__input__enableExplanations="yes",
            variables__authentication__type="CREDENTIALS",
        )
    )
    assert job.variables.input.invocation_type is InvocationType.SYNC
    assert job.variables.input.enable_explanations is EnableExplanations.YES
    assert job.variables.auth is not None
    assert job.variables.auth.type is AuthenticationType.CREDENTIALS


def test_missing_authentication_type_means_credentials() -> None:
    job = parse_job(job_with(variables__authentication__type=None))
    assert job.variables.auth is not None
    assert job.variables.auth.type is AuthenticationType.CREDENTIALS


def test_async_numbers_accept_strings_and_integers() -> None:
    job = parse_job(
        job_with(
            variables__input__invocationType="async",
            variables__input__inputLocation="s3://b/k",
            variables__input__requestTTLSeconds="3600",
            variables__input__invocationTimeoutSeconds=90,
        )
    )
    assert job.variables.input.request_ttl_seconds == 3600
    assert job.variables.input.invocation_timeout_seconds == 90


def test_out_of_range_async_numbers_name_their_field() -> None:
    found = problems(
        job_with(
            variables__input__requestTTLSeconds="59",
            variables__input__invocationTimeoutSeconds="3601",
        )
    )
    assert "variables.input.requestTTLSeconds" in found
    assert "variables.input.invocationTimeoutSeconds" in found


def test_unknown_properties_are_ignored() -> None:
    doc = job_with(variables__input__somethingNew=1, surprise={"a": 1})
    assert parse_job(doc).variables.input.endpoint_name == "churn-model"


def test_aws_credential_overrides_inline_authentication_and_region() -> None:
    doc = job_with(
        variables__awsCredential={
            "authentication": {"type": "defaultCredentialsChain"},
            "region": "us-west-2",
        }
    )
    job = parse_job(doc)
    assert job.variables.region == "us-west-2"
    assert job.variables.auth is not None
    assert job.variables.auth.type is AuthenticationType.DEFAULT_CREDENTIALS_CHAIN


def test_region_may_come_from_aws_credential_alone() -> None:
    doc = job_with(variables__configuration=None, variables__awsCredential={"region": "us-west-2"})
    assert parse_job(doc).variables.region == "us-west-2"


def test_every_bad_field_is_reported_with_its_path() -> None:
    doc = job_with(
        variables__input__endpointName="",
        variables__input__accept=5,
        variables__authentication__secretKey=None,
        retries=-1,
    )

    found = problems(doc)

    assert set(found) == {
        "variables.input.endpointName",
        "variables.input.accept",
        "variables.authentication",
        "retries",
    }
    assert "secretKey" in found["variables.authentication"]


def test_sync_job_without_body_is_rejected() -> None:
    found = problems(job_with(variables__input__body=None))
    assert "body is required" in found["variables.input"]


def test_null_body_is_a_body() -> None:
    assert parse_job(job_with(variables__input__body=[])).variables.input.body == []
    doc = copy.deepcopy(CAMUNDA_JOB)
    doc["variables"]["input"]["body"] = None
    assert parse_job(doc).variables.input.body is None


def test_missing_region_is_reported() -> None:
    assert "a region is required" in problems(job_with(variables__configuration=None))["variables"]


def test_job_id_is_checked_so_it_can_be_a_redis_key() -> None:
    assert "id" in problems(job_with(id="has spaces"))
    assert parse_job(job_with(id="order-42:step.1")).id == "order-42:step.1"


def test_non_object_job_is_rejected_clearly() -> None:
    assert "must be a JSON object" in problems([1, 2])[""]


def test_validation_error_text_does_not_echo_values() -> None:
    doc = job_with(
        variables__authentication__accessKey="AKIAVERYSECRETVALUE",
        variables__authentication__secretKey=12345,
    )
    with pytest.raises(JobValidationError) as info:
        parse_job(doc)
    assert "12345" not in str(info.value)
    assert info.value.__cause__ is None
