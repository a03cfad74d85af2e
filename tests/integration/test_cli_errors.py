"""Every expected failure of ``smq``: one line on stderr, a documented exit code, no
traceback, and nothing enqueued."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ops.local import Service, free_port, listening, redis_server_binary, wait_until
from tests.integration.conftest import make_job
from tests.integration.test_cli_and_bad_input import smq

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_db(cli_env: dict[str, str], redis_service: Service) -> Iterator[dict[str, str]]:
    """The CLI's environment on a database of its own, so "nothing enqueued" is dbsize 0."""
    url = redis_service.url.rsplit("/", 1)[0] + "/9"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield {**cli_env, "SMQ_REDIS_URL": url}
    client.flushdb()
    client.close()


def _dbsize(env: dict[str, str]) -> int:
    with redis.Redis.from_url(env["SMQ_REDIS_URL"]) as client:
        return int(client.dbsize())


def _one_error_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line


@pytest.fixture(scope="module")
def password_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server that requires a password (ops.local's launcher pings without one)."""
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis-auth")
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(workdir),
            "--requirepass",
            "s3cret",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: listening(port), 15, "the password-protected redis-server")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        ("notaurl", 2, "SMQ_REDIS_URL is not a Redis URL"),
        ("redis://localhost:notaport/0", 2, "SMQ_REDIS_URL is not a Redis URL"),
        (f"redis://127.0.0.1:{free_port()}/0", 4, "cannot reach Redis at redis://127.0.0.1:"),
    ],
)
def test_bad_or_dead_redis_url(
    cli_env: dict[str, str], tmp_path: Path, url: str, code: int, says: str
) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(make_job("ep", "s")))

    for argv in (["status"], ["submit", str(job)], ["wait", "some-id"]):
        line = _one_error_line(smq({**cli_env, "SMQ_REDIS_URL": url}, *argv), code)
        assert says in line


def test_a_password_protected_redis_says_so_and_hides_the_password(
    cli_env: dict[str, str], password_redis: str
) -> None:
    none = smq({**cli_env, "SMQ_REDIS_URL": f"redis://{password_redis}/0"}, "status")
    wrong = smq({**cli_env, "SMQ_REDIS_URL": f"redis://:guess@{password_redis}/0"}, "status")
    right = smq({**cli_env, "SMQ_REDIS_URL": f"redis://:s3cret@{password_redis}/0"}, "status")

    assert "requires a password; put it in SMQ_REDIS_URL" in _one_error_line(none, 4)
    line = _one_error_line(wrong, 4)
    assert "wrong user name or password" in line
    assert "guess" not in line and "redis://:****@" in line
    assert right.returncode == 0, right.stderr


def test_bad_settings_name_the_variable(empty_db: dict[str, str], tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(make_job("ep", "s")))

    line = _one_error_line(smq({**empty_db, "SMQ_BATCH_SIZE": "abc"}, "submit", str(job)), 2)

    assert "bad setting SMQ_BATCH_SIZE: Input should be a valid integer" in line
    assert _dbsize(empty_db) == 0


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"SMQ_VISIBILITY_TIMEOUT": "20"}, "SMQ_VISIBILITY_TIMEOUT (20s) must exceed"),
        ({"SMQ_WORKER_POOL": "gevent"}, "bad setting SMQ_WORKER_POOL: Input should be"),
    ],
)
def test_bad_worker_settings_name_the_variable(
    empty_db: dict[str, str], variables: dict[str, str], says: str
) -> None:
    # Worker-only settings are checked by the worker-side commands, before anything runs.
    line = _one_error_line(smq({**empty_db, **variables}, "poller"), 2)

    assert says in line


def test_unreadable_files(empty_db: dict[str, str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"id": "café"}\n'.encode("latin-1"))
    pretty = tmp_path / "pretty.json"
    lines = json.dumps(make_job("ep", "s"), indent=2).splitlines()
    lines[20] += ","  # a trailing comma: the error is on the next line, not line 1
    pretty.write_text("\n".join(lines))
    jsonl = tmp_path / "jobs.jsonl"
    jsonl.write_text(json.dumps(make_job("ep", "s")) + "\n" + '{"oops"\n')

    cases = {
        str(latin1): f"error: {latin1}: not UTF-8 text (byte 0xe9 on line 1, offset 11)",
        str(pretty): f"error: {pretty}: line 22, column ",
        str(jsonl): f"error: {jsonl}: line 2, column 8: not valid JSON",
        str(tmp_path / "missing.json"): "no such file",
        str(tmp_path): "is a directory",
        str(tmp_path / "nothing-*.json"): "no file matches this pattern",
    }
    for path, says in cases.items():
        assert says in _one_error_line(smq(empty_db, "submit", path), 2)
    assert _dbsize(empty_db) == 0


def test_several_files_and_globs_are_one_all_or_nothing_submission(
    empty_db: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "jobs").mkdir()
    for n in range(3):
        (tmp_path / "jobs" / f"{n}.json").write_text(json.dumps(make_job("ep", "s")))
    bad = make_job("ep", "s")
    del bad["variables"]["configuration"]
    (tmp_path / "bad.json").write_text(json.dumps([make_job("ep", "s"), bad]))
    pattern = str(tmp_path / "jobs" / "*.json")

    refused = smq(empty_db, "submit", pattern, str(tmp_path / "bad.json"))
    accepted = smq(empty_db, "submit", pattern, "-", stdin=json.dumps(make_job("ep", "s")))

    assert refused.returncode == 2
    assert f"invalid: {tmp_path / 'bad.json'}[1].variables: a region is required" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
    assert len(accepted.stdout.split()) == 4


def test_jobs_that_cannot_succeed_are_refused_at_submit(
    empty_db: dict[str, str], tmp_path: Path
) -> None:
    too_big = make_job("ep", "s", body={"data": "x" * (6 * 1024 * 1024)})
    ttl = make_job(
        "ep",
        "s",
        invocationType="ASYNC",
        inputLocation="s3://b/in",
        requestTTLSeconds=99999,
        invocationTimeoutSeconds="0",
    )
    huge_doc = make_job("ep", "s", invocationType="ASYNC", body="y" * 5000)

    cases = [
        ({}, too_big, "variables.input.body: 6291467 bytes exceeds SageMaker's real-time limit"),
        ({}, ttl, "variables.input.requestTTLSeconds: Input should be less than or equal to 21600"),
        ({}, ttl, "variables.input.invocationTimeoutSeconds: Input should be greater than or"),
        ({"SMQ_MAX_JOB_BYTES": "4096"}, huge_doc, "over the 4096-byte cap (SMQ_MAX_JOB_BYTES)"),
    ]
    for variables, job, says in cases:
        path = tmp_path / "job.json"
        path.write_text(json.dumps(job))
        done = smq({**empty_db, **variables}, "submit", str(path))
        assert done.returncode == 2
        assert says in done.stderr
        assert done.stderr.splitlines()[-1].endswith("nothing was enqueued")
    assert _dbsize(empty_db) == 0


def test_a_closed_stdout_ends_quietly(cli_env: dict[str, str]) -> None:
    piped = subprocess.run(
        f"{sys.executable} -m cli.main schema job | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=30,
        check=False,
    )
    # And deterministically: the reader is gone before the first byte is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = subprocess.run(
        [sys.executable, "-m", "cli.main", "schema", "job"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env,
        timeout=30,
        check=False,
    )
    os.close(write_end)

    assert piped.stdout == "{\n" and piped.stderr == ""
    assert closed.returncode == 141
    assert closed.stderr == ""


def test_version_and_help_text(cli_env: dict[str, str]) -> None:
    version = smq(cli_env, "--version")
    helps = [smq(cli_env, *argv, "--help").stdout for argv in ([], ["submit"], ["results"])]

    assert version.returncode == 0 and version.stdout.startswith("smq 0.")
    for text in helps:
        assert "``" not in text and "{{" not in text
    for code in ("0", "1", "2", "3", "4", "5", "130", "141"):
        assert f"\n  {code} " in helps[0]
