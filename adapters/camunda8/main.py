"""``smq camunda`` / ``python -m adapters.camunda8``: run the Camunda 8 adapter until SIGTERM.

Threads: one activation loop per job type (long polling), the result reader, the report
retries, the deadline keeper. SIGTERM stops activating (a pending long poll is waited for and
what it returns handed back), keeps reporting results of held jobs for up to
``SMQ_CAMUNDA_SHUTDOWN_SECONDS``, then exits 0; what is still running is
finished by another replica (the result stream's consumer group) or by this one's successor
(the engine re-activates the job after its timeout and the record re-attaches it).
"""

from __future__ import annotations

import argparse
import functools
import signal
import socket
import sys
import threading
import time
from types import FrameType

import httpx
import structlog
from pydantic import ValidationError

from adapters.activation import ActivationLoop, Submitter
from adapters.camunda8.auth import credentials
from adapters.camunda8.client import Camunda8Client
from adapters.camunda8.engine import Camunda8Engine
from adapters.camunda8.settings import Camunda8Settings, CamundaConnection
from adapters.deadlines import keep_deadlines
from adapters.inflight import InFlight
from adapters.logs import configure
from adapters.records import EngineJobRecords
from adapters.reporting import Reporter, read_results
from producer.connection import connect
from producer.results import ResultConsumer, service_status
from producer.settings import Settings, get_settings
from producer.submit import Producer

log = structlog.get_logger("adapters.camunda8")
GROUP = "smq-camunda8"


class Adapter:
    """The adapter's parts, wired; ``run`` blocks until SIGTERM/SIGINT."""

    def __init__(
        self, settings: Settings, adapter: Camunda8Settings, connection: CamundaConnection
    ) -> None:
        self.settings = settings
        self.adapter = adapter
        self.redis = connect(settings)
        self.http = httpx.Client(limits=httpx.Limits(max_connections=32))
        client = Camunda8Client(
            connection.base_url,
            credentials(connection, self.http),
            self.http,
            adapter.request_timeout,
        )
        self.engine = Camunda8Engine(client, adapter, connection)
        self.inflight = InFlight(adapter.jobs_in_flight)
        self.records = EngineJobRecords(self.redis, adapter.job_id_prefix, settings.job_ttl_seconds)
        owner = adapter.consumer_name or socket.gethostname()
        self.reporter = Reporter(
            self.engine,
            self.records,
            self.inflight,
            owner=owner,
            key_field="jobKey",
            backoff_initial=adapter.backoff_initial,
            backoff_max=adapter.backoff_max,
            threads=adapter.report_threads,
        )
        self.consumer = ResultConsumer(
            self.redis,
            adapter.result_stream,
            group=GROUP,
            consumer=owner,
            block_ms=500,
            claim_idle_ms=int(adapter.result_claim_seconds * 1000),
        )
        self.submitter = Submitter(
            Producer(self.redis, settings),
            self.records,
            self.inflight,
            self.reporter,
            reply_to=adapter.result_stream,
            extend_every=adapter.job_timeout / 3,
        )
        self.shutdown = threading.Event()

    def run(self) -> int:
        stop_activating = threading.Event()
        stop = threading.Event()
        threads: list[threading.Thread] = [
            self._activation(job_type, stop_activating) for job_type in self.adapter.job_types
        ]
        threads += [
            threading.Thread(
                target=read_results, args=(self.consumer, self.reporter, stop), name="results"
            ),
            threading.Thread(target=self.reporter.run_retries, args=(stop,), name="retries"),
            threading.Thread(
                target=keep_deadlines,
                args=(self.engine, self.inflight, self.records, self.adapter.job_timeout / 3, stop),
                name="deadlines",
            ),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        log.info(
            "camunda_adapter_started",
            job_types=self.adapter.job_types,
            jobs_in_flight=self.adapter.jobs_in_flight,
            result_stream=self.adapter.result_stream,
        )
        while not self.shutdown.wait(0.5):
            pass
        stop_activating.set()
        signalled = time.monotonic()
        log.info("camunda_adapter_stopping", held=len(self.inflight))
        drained = self.inflight.wait_empty(self.adapter.shutdown_seconds)
        # A long poll still pending may yet return jobs: wait for it, so they are handed
        # back now instead of waiting out their timeout with an engine that thinks we have
        # them. Exit comes at most max(shutdown, poll + request timeout) after the signal.
        a = self.adapter
        deadline = signalled + max(a.shutdown_seconds, a.poll_timeout + a.request_timeout)
        for thread in threads[: len(a.job_types)]:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        stop.set()
        for thread in threads[len(self.adapter.job_types) :]:
            thread.join(timeout=2.0)
        self.reporter.close()  # reports already handed over finish (each bounded by a timeout)
        log.info(
            "camunda_adapter_stopped",
            drained=drained,
            still_held=len(self.inflight),
            retries_pending=self.reporter.pending_retries(),
        )
        self.http.close()
        return 0

    def _activation(self, job_type: str, stop: threading.Event) -> ActivationLoop:
        return ActivationLoop(
            f"activate:{job_type}",
            functools.partial(self.engine.activate, job_type),
            self.engine,
            self.submitter,
            self.inflight,
            stop,
            backlog=self._jobs_waiting,
            max_backlog=self.adapter.max_backlog,
            backoff_initial=self.adapter.backoff_initial,
            backoff_max=self.adapter.backoff_max,
        )

    def _jobs_waiting(self) -> int:
        return int(service_status(self.redis, self.settings)["queue"]["jobsWaiting"])

    def on_signal(self, signum: int, _: FrameType | None) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        self.shutdown.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="smq camunda",
        description="Work on Camunda 8 jobs (task type io.camunda:aws-sagemaker:1 by default) "
        "through the queue. Configured by CAMUNDA_* and SMQ_CAMUNDA_* variables.",
    )
    parser.parse_args(argv)
    try:
        settings = get_settings()
        adapter_settings = Camunda8Settings()
        connection = CamundaConnection()
    except ValidationError as exc:
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return 2
    configure(settings)
    adapter = Adapter(settings, adapter_settings, connection)
    signal.signal(signal.SIGTERM, adapter.on_signal)
    signal.signal(signal.SIGINT, adapter.on_signal)
    return adapter.run()


if __name__ == "__main__":
    sys.exit(main())
