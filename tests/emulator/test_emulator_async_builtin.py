"""InvokeEndpointAsync with ``--s3-builtin``: inputs and results in the emulator's own S3."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from test_emulator_async import s3_object, wait_until

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "smq-async"
ROOT = Path(__file__).resolve().parents[2]


def put_input(s3: S3Client, key: str, body: bytes) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def test_the_async_bucket_is_created_at_start(builtin_s3):
    builtin_s3.head_bucket(Bucket=BUCKET)


def test_output_lands_in_the_builtin_s3_after_the_delay(
    builtin_runtime, builtin_control, builtin_s3, endpoint
):
    builtin_control.script(endpoint, async_={"delayMs": 400})
    input_uri = put_input(builtin_s3, f"inputs/{endpoint}.csv", b"1,2,3\n")

    submitted = time.time()
    response = builtin_runtime.invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=input_uri, ContentType="text/csv"
    )
    assert s3_object(builtin_s3, response["OutputLocation"]) is None

    body, content_type = wait_until(lambda: s3_object(builtin_s3, response["OutputLocation"]))
    assert (body, content_type) == (b"1,2,3\n", "text/csv")
    assert s3_object(builtin_s3, response["FailureLocation"]) is None
    key = response["OutputLocation"].removeprefix(f"s3://{BUCKET}/")
    (written,) = builtin_control.s3_objects(BUCKET, prefix=key)
    assert written["writtenAt"] - submitted >= 0.4
    # The emulator wrote it into memory itself: no PutObject request went over HTTP.
    assert builtin_control.s3_stats()["PutObject"] == len(
        builtin_control.s3_objects(BUCKET, prefix="inputs/")
    )


def test_held_outputs_land_only_after_the_release_within_the_jitter(
    builtin_runtime, builtin_control, builtin_s3, endpoint
):
    builtin_control.script(endpoint, async_={"hold": True, "jitterMs": 300, "delayMs": 0})
    input_uri = put_input(builtin_s3, f"inputs/{endpoint}.json", b"{}")
    locations = [
        builtin_runtime.invoke_endpoint_async(EndpointName=endpoint, InputLocation=input_uri)[
            "OutputLocation"
        ]
        for _ in range(3)
    ]
    time.sleep(0.5)
    assert [s3_object(builtin_s3, uri) for uri in locations] == [None] * 3

    released = time.time()
    builtin_control.release(endpoint)

    for uri in locations:
        wait_until(lambda uri=uri: s3_object(builtin_s3, uri))
    prefix = f"async-output/{endpoint}/"
    written = [o["writtenAt"] for o in builtin_control.s3_objects(BUCKET, prefix=prefix)]
    assert len(written) == 3
    # within the 0.3 s jitter of the release (plus slack for a loaded machine), never before
    assert all(released <= at <= released + 0.3 + 1.0 for at in written)


def test_scripted_failure_writes_the_failure_object(
    builtin_runtime, builtin_control, builtin_s3, endpoint
):
    builtin_control.script(endpoint, async_={"delayMs": 50, "fail": True, "failureMessage": "OOM"})

    response = builtin_runtime.invoke_endpoint_async(
        EndpointName=endpoint, Body=b"{}", ContentType="application/json"
    )

    body, content_type = wait_until(lambda: s3_object(builtin_s3, response["FailureLocation"]))
    assert (body, content_type) == (b"OOM", "text/plain")
    assert s3_object(builtin_s3, response["OutputLocation"]) is None


def test_missing_input_fails_the_inference(builtin_runtime, builtin_s3, endpoint):
    response = builtin_runtime.invoke_endpoint_async(
        EndpointName=endpoint, InputLocation=f"s3://{BUCKET}/inputs/{endpoint}-missing"
    )

    body, _ = wait_until(lambda: s3_object(builtin_s3, response["FailureLocation"]))
    assert b"NoSuchKey" in body


def test_scripted_response_is_the_output(builtin_runtime, builtin_control, builtin_s3, endpoint):
    builtin_control.script(
        endpoint, response={"body": {"label": "cat"}, "contentType": "application/json"}
    )

    response = builtin_runtime.invoke_endpoint_async(
        EndpointName=endpoint, Body=b"ignored", ContentType="text/plain"
    )

    body, content_type = wait_until(lambda: s3_object(builtin_s3, response["OutputLocation"]))
    assert (body, content_type) == (b'{"label": "cat"}', "application/json")


def test_builtin_and_external_s3_are_mutually_exclusive():
    command = [
        sys.executable,
        "-m",
        "emulator",
        "--s3-builtin",
        "--s3-endpoint-url",
        "http://127.0.0.1:1",
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)

    assert finished.returncode == 2
    assert "not allowed with argument" in finished.stderr


def test_without_either_flag_s3_is_served_but_async_refused(
    plain_url, make_s3_client, runtime_without_s3, endpoint
):
    s3 = make_s3_client(plain_url)

    s3.create_bucket(Bucket="plain")
    s3.put_object(Bucket="plain", Key="k", Body=b"v")

    assert s3.get_object(Bucket="plain", Key="k")["Body"].read() == b"v"
    with pytest.raises(ClientError) as caught:
        runtime_without_s3.invoke_endpoint_async(EndpointName=endpoint, Body=b"x")
    assert "--s3-builtin" in caught.value.response["Error"]["Message"]
