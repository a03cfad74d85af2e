"""The processes a benchmark runs against: Redis, the emulator, workers, a poller."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

from emulator.control import EmulatorControl
from ops.local import ROOT, Service, start_emulator, start_poller, start_redis, start_worker
from producer.connection import RedisClient, connect
from worker.settings import WorkerSettings

WORKDIR = ROOT / ".bench" / "run"
SECRETS = {"SECRET_BENCH_KEY": "bench-access", "SECRET_BENCH_SECRET": "bench-secret-value"}


@dataclass
class Stack:
    redis: Service
    emulator: Service
    control: EmulatorControl
    settings: WorkerSettings
    client: RedisClient
    env: dict[str, str]
    extra: list[Service] = field(default_factory=list)

    def worker(
        self,
        name: str,
        *,
        pool: str = "threads",
        concurrency: int = 64,
        extra: list[str] | None = None,
        **env: str,
    ) -> Service:
        service = start_worker(
            WORKDIR / "workers",
            {**self.env, **env},
            name=name,
            pool=pool,
            concurrency=concurrency,
            extra=extra,
        )
        self.extra.append(service)
        return service

    def poller(self, name: str = "p1", **env: str) -> Service:
        service = start_poller(WORKDIR / "pollers", {**self.env, **env}, name=name)
        self.extra.append(service)
        return service

    def stop_extra(self) -> None:
        for service in reversed(self.extra):
            service.stop()
        self.extra.clear()

    def boto3_runtime(self, concurrency: int) -> object:
        """A client configured like the worker's: no botocore retries, a big enough pool."""
        return boto3.client(
            "sagemaker-runtime",
            endpoint_url=self.emulator.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - the emulator accepts anything
            config=Config(
                retries={"total_max_attempts": 1},
                max_pool_connections=concurrency + 4,
                tcp_keepalive=True,
            ),
        )


@contextlib.contextmanager
def stack(*, s3_builtin: bool = False) -> Iterator[Stack]:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    redis = start_redis(WORKDIR / "redis")
    emulator = start_emulator(WORKDIR / "emulator", s3_builtin=s3_builtin)
    env = {
        "SMQ_REDIS_URL": redis.url,
        "SMQ_LOG_FORMAT": "json",
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator.url,
        "AWS_ENDPOINT_URL_S3": emulator.url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        **SECRETS,
    }
    settings = WorkerSettings(redis_url=redis.url)
    result = Stack(redis, emulator, EmulatorControl(emulator.url), settings, connect(settings), env)
    try:
        yield result
    finally:
        result.stop_extra()
        emulator.stop()
        redis.stop()


def with_children(pid: int) -> list[int]:
    """A process and its direct children (a prefork worker's pool processes)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(p) for p in children]
    return pids


def rss_mb(service: Service) -> float:
    """Resident memory of a process and its children (prefork), in MB."""
    pids = with_children(service.process.pid)
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime: fields 14 and 15 of stat(5), counted after the ")" closing comm.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its live children: a prefork worker's jobs run in the children,
    whose CPU the parent's /proc entry does not count until they are reaped."""
    total = 0.0
    for one in with_children(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(one)
    return total
