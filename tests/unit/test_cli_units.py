"""The CLI's pure parts: where a JSON error is, which jobs a dead letter names, how big a
body goes on the wire, how a resume command is written."""

from __future__ import annotations

import argparse
import base64
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from cli.commands.dead_letters import duration
from cli.deadletters import job_ids
from cli.errors import shown_url
from cli.inputs import InputFileError, parse_documents, read_ids
from cli.waiting import INLINE_IDS, resume_hint
from producer.envelope import task_message
from producer.errors import JobValidationError
from producer.limits import REALTIME_MAX_PAYLOAD_BYTES, body_size_at_least
from producer.submit import validate_all
from worker.sagemaker.payload import encode_body


def test_a_pretty_printed_file_reports_its_true_line_and_column() -> None:
    text = '{\n  "variables": {\n    "input": {"body": 1,}\n  }\n}\n'

    with pytest.raises(InputFileError) as caught:
        parse_documents(text, "job.json")

    assert caught.value.message.startswith("job.json: line 3, column 25: not valid JSON")


def test_json_lines_report_the_bad_line_and_label_each_job() -> None:
    assert [d.where for d in parse_documents('{"a": 1}\n\n{"b": 2}\n', "j.jsonl")] == [
        "j.jsonl line 1: ",
        "j.jsonl line 3: ",
    ]
    with pytest.raises(InputFileError, match=r"j.jsonl: line 2, column 2"):
        parse_documents('{"a": 1}\n{oops\n', "j.jsonl")


def test_an_array_labels_its_jobs_by_index() -> None:
    assert [d.where for d in parse_documents("[{}, {}]", "a.json")] == ["a.json[0].", "a.json[1]."]


def test_ids_file_rejects_what_is_not_an_id(tmp_path: Path) -> None:
    good = tmp_path / "ids"
    good.write_text("# submitted today\nabc-1\n\nabc-2\n")
    bad = tmp_path / "jobs.json"
    bad.write_text('{"id": "x"}\n')

    assert read_ids(str(good)) == ["abc-1", "abc-2"]
    with pytest.raises(InputFileError, match=r"line 1: .* is not a job id"):
        read_ids(str(bad))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"instances": [[1, 2.5, "é"]]}, "application/json"),
        ([{"a": 1}, {"b": 2}], "application/jsonlines"),
        ("a,b,c\n1,2,3\n", "text/csv"),
        ("plain", "application/json"),
        ({"encoding": "base64", "data": base64.b64encode(b"\x00\xff" * 50).decode()}, "image/png"),
        ({"encoding": "base64", "data": base64.b64encode(b"xy").decode()}, "application/json"),
        (42, "text/plain"),
    ],
)
def test_the_size_checked_at_submit_never_exceeds_what_the_worker_sends(
    body: Any, content_type: str
) -> None:
    sent = len(encode_body(body, content_type))

    assert body_size_at_least(body, content_type) <= sent
    if content_type == "application/json":
        assert body_size_at_least(body, content_type) == sent  # exact for the default type


def test_a_real_time_body_over_the_limit_is_refused_an_async_one_is_not() -> None:
    def job(kind: str, size: int) -> dict[str, Any]:
        inp = {"invocationType": kind, "endpointName": "e", "body": "x" * size}
        if kind == "ASYNC":
            inp["inputLocation"] = "s3://b/k"
        return {
            "variables": {
                "authentication": {"type": "defaultCredentialsChain"},
                "configuration": {"region": "eu-west-1"},
                "input": inp,
            }
        }

    limit = REALTIME_MAX_PAYLOAD_BYTES
    assert validate_all([job("SYNC", limit - 2)])  # the quotes make it exactly the limit
    assert validate_all([job("ASYNC", limit + 10)])
    with pytest.raises(JobValidationError, match="exceeds SageMaker's real-time limit"):
        validate_all([job("SYNC", limit - 1)])
    with pytest.raises(JobValidationError, match="over the 2048-byte cap"):
        validate_all([job("ASYNC", 3000)], max_job_bytes=2048)


def test_dead_letter_job_ids_from_every_shape() -> None:
    bulk = task_message(["j1", "j2"], "smq")
    single = json.loads(task_message("j3", "smq"))
    single["body"] = "%%%"  # unreadable body: the task id still names the job

    assert job_ids({"item": bulk.encode()}) == ["j1", "j2"]
    assert job_ids({"item": json.dumps(single).encode()}) == ["j3"]
    assert job_ids({"item": b"\xff\xfe not json"}) == []
    assert job_ids({"item": b"[1, 2]"}) == []
    assert job_ids({"id": b"r1", "result": b"{}"}) == ["r1"]  # a result stream's dead letter


def test_durations() -> None:
    assert [duration(t) for t in ("90", "90s", "30m", "12h", "7d", "2w")] == [
        90,
        90,
        1800,
        43200,
        604800,
        1209600,
    ]
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


def test_resume_hint_inline_then_in_a_file() -> None:
    few = resume_hint(["a", "b c"])
    many = resume_hint([f"id-{n}" for n in range(INLINE_IDS + 1)])

    assert few.splitlines()[1] == "keep waiting: smq wait a 'b c'"
    argv = shlex.split(many.splitlines()[1].removeprefix("keep waiting: "))
    assert argv[:3] == ["smq", "wait", "--from"]
    assert Path(argv[3]).read_text().split() == [f"id-{n}" for n in range(INLINE_IDS + 1)]
    Path(argv[3]).unlink()


def test_shown_url_hides_the_password() -> None:
    assert shown_url("redis://:pw@h:6379/0") == "redis://:****@h:6379/0"
    assert shown_url("redis://user:pw@h/1") == "redis://user:****@h/1"
    assert shown_url("redis://h:6379/0") == "redis://h:6379/0"
