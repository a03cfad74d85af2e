"""``smq`` as a person follows jobs: ids as they go in, ``smq wait`` after a timeout or Ctrl-C,
a progress line on a terminal and none in a pipe."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, wait_until
from tests.integration.conftest import make_job
from tests.integration.test_cli_and_bad_input import smq

pytestmark = pytest.mark.integration


def _jobs_file(tmp_path: Path, endpoint: str, stream: str, ids: list[str]) -> Path:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps([{**make_job(endpoint, stream), "id": i} for i in ids]))
    return path


def _resume_command(stderr: str) -> list[str]:
    [line] = [x for x in stderr.splitlines() if x.startswith("keep waiting: ")]
    argv = shlex.split(line.removeprefix("keep waiting: "))
    assert argv[:2] == ["smq", "wait"]
    return argv[2:]


def test_submit_wait_prints_ids_on_stderr_and_results_on_stdout(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str, tmp_path: Path
) -> None:
    ids = [f"follow-{endpoint}-{n}" for n in range(3)]

    done = smq(cli_env, "submit", str(_jobs_file(tmp_path, endpoint, stream, ids)), "--wait")

    assert done.returncode == 0, done.stderr
    assert [f"enqueued {i}" for i in ids] == [
        x for x in done.stderr.splitlines() if x.startswith("enqueued")
    ]
    assert sorted(json.loads(x)["id"] for x in done.stdout.splitlines()) == ids


def test_after_a_timeout_smq_wait_resumes_with_the_printed_command(
    worker: Service,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    tmp_path: Path,
) -> None:
    emulator.script(endpoint, latencyMs=2500)
    ids = [f"slow-{endpoint}-{n}" for n in range(2)]
    jobs = _jobs_file(tmp_path, endpoint, stream, ids)

    timed_out = smq(cli_env, "submit", str(jobs), "--wait", "--timeout", "0.5")

    assert timed_out.returncode == 3, timed_out.stderr
    assert f"still pending: {' '.join(ids)}" in timed_out.stderr
    resumed = smq(cli_env, "wait", *_resume_command(timed_out.stderr), "--timeout", "30")
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(json.loads(x)["id"] for x in resumed.stdout.splitlines()) == ids
    # Submitting the same file again (ids given) runs nothing twice: answered from Redis.
    again = smq(cli_env, "submit", str(jobs), "--wait", "--timeout", "10")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("already exists; not enqueued again") == 2
    assert emulator.invocations(endpoint)["count"] == 2


def test_many_pending_ids_go_to_a_file_that_smq_wait_reads(
    worker: Service,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    tmp_path: Path,
) -> None:
    emulator.script(endpoint, latencyMs=1500)
    ids = [f"many-{endpoint}-{n}" for n in range(12)]
    ids_file = tmp_path / "submitted.ids"

    timed_out = smq(
        cli_env,
        "submit",
        str(_jobs_file(tmp_path, endpoint, stream, ids)),
        "--wait",
        "--timeout",
        "0.3",
        "--ids",
        str(ids_file),
    )

    assert timed_out.returncode == 3, timed_out.stderr
    assert ids_file.read_text().split() == ids
    assert "enqueued" not in timed_out.stderr  # --ids took them
    argv = _resume_command(timed_out.stderr)
    assert argv[0] == "--from"
    assert sorted(Path(argv[1]).read_text().split()) == sorted(ids)
    resumed = smq(cli_env, "wait", *argv, "--timeout", "30")
    assert resumed.returncode == 0, resumed.stderr
    assert len(resumed.stdout.splitlines()) == 12
    Path(argv[1]).unlink()


def test_ctrl_c_while_waiting_prints_the_pending_ids_and_exits_130(
    worker: Service,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    tmp_path: Path,
) -> None:
    emulator.script(endpoint, latencyMs=5000)
    ids = [f"int-{endpoint}"]
    jobs = _jobs_file(tmp_path, endpoint, stream, ids)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "submit", str(jobs), "--wait", "--timeout", "60"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: emulator.invocations(endpoint)["count"] >= 1, 20, "the job to be invoked")

    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)

    assert proc.returncode == 130, err
    assert f"keep waiting: smq wait {ids[0]}" in err
    assert "Traceback" not in err


def test_wait_for_an_unknown_id_exits_5(cli_env: dict[str, str], redis_service: Service) -> None:
    done = smq(cli_env, "wait", "never-submitted-id", "--timeout", "1")

    assert done.returncode == 5
    assert done.stderr.startswith("error: no such job: never-submitted-id")


def test_wait_with_one_unknown_id_answers_the_others_and_exits_5(
    cli_env: dict[str, str], endpoint: str, stream: str, tmp_path: Path
) -> None:
    # Given one job that ran and one id Redis never held
    ids = [f"known-{endpoint}"]
    assert smq(cli_env, "submit", str(_jobs_file(tmp_path, endpoint, stream, ids)),
               "--wait", "--timeout", "30").returncode == 0  # fmt: skip

    done = smq(cli_env, "wait", ids[0], "never-submitted-id", "--timeout", "10")

    # Then the known one is answered, the unknown one named, and the exit code says so
    assert done.returncode == 5, done.stderr
    assert [json.loads(x)["id"] for x in done.stdout.splitlines()] == ids
    assert "no such job: never-submitted-id" in done.stderr
    assert "waiting for the other 1" in done.stderr


def test_a_wait_nobody_serves_says_no_worker_is_consuming(
    cli_env: dict[str, str], redis_service: Service, endpoint: str, stream: str, tmp_path: Path
) -> None:
    # Another database of the same Redis: no worker's broker, no answer to a ping.
    env = {**cli_env, "SMQ_REDIS_URL": redis_service.url.rsplit("/", 1)[0] + "/7"}

    done = smq(
        env,
        "submit",
        str(_jobs_file(tmp_path, endpoint, stream, [f"lone-{endpoint}"])),
        "--wait",
        "--timeout",
        "0.5",
    )

    assert done.returncode == 3
    assert "no worker answered a ping: nothing is consuming queue 'smq'" in done.stderr


def _run_on_a_terminal(
    argv: list[str], env: dict[str, str], timeout: float = 60
) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (stdout not); what the terminal showed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv, env={**env, "COLUMNS": "100"}, stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, shown.decode(errors="replace")


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_shows_on_a_terminal_unless_quiet(
    worker: Service,
    cli_env: dict[str, str],
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
    tmp_path: Path,
    quiet: bool,
) -> None:
    emulator.script(endpoint, latencyMs=300)
    ids = [f"tty-{quiet}-{endpoint}-{n}" for n in range(20)]
    argv = [
        sys.executable,
        "-m",
        "cli.main",
        "submit",
        str(_jobs_file(tmp_path, endpoint, stream, ids)),
    ]
    argv += ["--wait", "--timeout", "60", "--ids", str(tmp_path / "ids")] + (
        ["-q"] if quiet else []
    )

    code, shown = _run_on_a_terminal(argv, cli_env)

    assert code == 0, shown
    progress = re.findall(r"(\d+) done · (\d+) failed · (\d+) pending", shown)
    if quiet:
        assert progress == []
        assert shown.strip() == ""
    else:
        assert progress, shown
        assert ("20", "0", "0") in progress
        assert "jobs/s" in shown


def test_no_progress_when_stderr_is_piped(
    worker: Service, cli_env: dict[str, str], endpoint: str, stream: str, tmp_path: Path
) -> None:
    ids = [f"pipe-{endpoint}-{n}" for n in range(5)]

    done = smq(cli_env, "submit", str(_jobs_file(tmp_path, endpoint, stream, ids)), "--wait")

    assert done.returncode == 0
    assert "jobs/s" not in done.stderr and "\x1b[" not in done.stderr
    assert done.stderr.splitlines() == [f"enqueued {i}" for i in ids]
