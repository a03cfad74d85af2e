"""One adapter process, for any engine: the parts wired, the threads run, SIGTERM handled.

Threads: one activation loop per entry of ``activations`` (long polling), the result reader,
the report retries, the deadline keeper. SIGTERM stops activating (a pending long poll is
waited for and what it returns handed back), keeps reporting results of held jobs for up to
``shutdown_seconds``, then exits 0; what is still running is finished by another replica (the
result stream's consumer group) or by this one's successor (the engine hands the job out again
after its timeout or lock, and the record re-attaches it).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType

import structlog

from adapters.activation import ActivationLoop, Submitter
from adapters.deadlines import keep_deadlines
from adapters.engine import ActivatedJob, Engine
from adapters.inflight import InFlight
from adapters.records import EngineJobRecords
from adapters.reporting import Reporter, read_results
from producer.connection import connect
from producer.results import ResultConsumer, service_status
from producer.settings import Settings
from producer.submit import Producer

log = structlog.get_logger("adapters.runtime")

Activate = Callable[[int], list[ActivatedJob]]


@dataclass(frozen=True)
class RuntimeOptions:
    """What the engine-neutral parts need from an engine adapter's settings."""

    engine: str  # names the process in its logs: camunda8, camunda7
    group: str  # the result stream's consumer group (shared by the replicas)
    consumer: str  # this replica in the group, and the owner of its report leases
    result_stream: str  # replyTo of the adapter's queue jobs
    id_prefix: str  # queue job ids are <prefix>:<job key>:<attempt>
    key_field: str  # the correlation field that holds the engine's job key
    jobs_in_flight: int
    max_backlog: int
    extend_every: float  # seconds between two pushes of a held job's deadline
    report_threads: int
    result_claim_seconds: float
    backoff_initial: float
    backoff_max: float
    shutdown_seconds: float
    poll_bound: float  # the longest a pending activation call can still take (poll + HTTP)


class AdapterRuntime:
    """The adapter's parts, wired; ``run`` blocks until SIGTERM/SIGINT."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        activations: Mapping[str, Activate],
        options: RuntimeOptions,
    ) -> None:
        self.settings = settings
        self.options = options
        self.engine = engine
        self.activations = activations
        self.redis = connect(settings)
        self.inflight = InFlight(options.jobs_in_flight)
        self.records = EngineJobRecords(self.redis, options.id_prefix, settings.job_ttl_seconds)
        self.reporter = Reporter(
            engine,
            self.records,
            self.inflight,
            owner=options.consumer,
            key_field=options.key_field,
            backoff_initial=options.backoff_initial,
            backoff_max=options.backoff_max,
            threads=options.report_threads,
        )
        self.consumer = ResultConsumer(
            self.redis,
            options.result_stream,
            group=options.group,
            consumer=options.consumer,
            block_ms=500,
            claim_idle_ms=int(options.result_claim_seconds * 1000),
        )
        self.submitter = Submitter(
            Producer(self.redis, settings),
            self.records,
            self.inflight,
            self.reporter,
            reply_to=options.result_stream,
            extend_every=options.extend_every,
        )
        self.shutdown = threading.Event()

    def run(self) -> int:
        o = self.options
        stop_activating = threading.Event()
        stop = threading.Event()
        loops: list[threading.Thread] = [
            self._activation(name, activate, stop_activating)
            for name, activate in self.activations.items()
        ]
        others = [
            threading.Thread(
                target=read_results, args=(self.consumer, self.reporter, stop), name="results"
            ),
            threading.Thread(target=self.reporter.run_retries, args=(stop,), name="retries"),
            threading.Thread(
                target=keep_deadlines,
                args=(self.engine, self.inflight, self.records, o.extend_every, stop),
                name="deadlines",
            ),
        ]
        for thread in (*loops, *others):
            thread.daemon = True
            thread.start()
        log.info(
            "adapter_started",
            engine=o.engine,
            activations=list(self.activations),
            jobs_in_flight=o.jobs_in_flight,
            result_stream=o.result_stream,
        )
        while not self.shutdown.wait(0.5):
            pass
        stop_activating.set()
        signalled = time.monotonic()
        log.info("adapter_stopping", engine=o.engine, held=len(self.inflight))
        drained = self.inflight.wait_empty(o.shutdown_seconds)
        # A long poll still pending may yet return jobs: wait for it, so they are handed
        # back now instead of waiting out their timeout with an engine that thinks we have
        # them. Exit comes at most max(shutdown, poll bound) after the signal.
        deadline = signalled + max(o.shutdown_seconds, o.poll_bound)
        for thread in loops:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        # A loop that was mid-submit at the signal held its jobs only after the first wait
        # found nothing: give those the rest of the drain time too.
        drained = self.inflight.wait_empty(
            max(0.0, signalled + o.shutdown_seconds - time.monotonic())
        )
        stop.set()
        for thread in others:
            thread.join(timeout=2.0)
        self.reporter.close()  # reports already handed over finish (each bounded by a timeout)
        log.info(
            "adapter_stopped",
            engine=o.engine,
            drained=drained,
            still_held=len(self.inflight),
            retries_pending=self.reporter.pending_retries(),
        )
        return 0

    def _activation(self, name: str, activate: Activate, stop: threading.Event) -> ActivationLoop:
        return ActivationLoop(
            name,
            activate,
            self.engine,
            self.submitter,
            self.inflight,
            stop,
            backlog=self._jobs_waiting,
            max_backlog=self.options.max_backlog,
            backoff_initial=self.options.backoff_initial,
            backoff_max=self.options.backoff_max,
        )

    def _jobs_waiting(self) -> int:
        return int(service_status(self.redis, self.settings)["queue"]["jobsWaiting"])

    def on_signal(self, signum: int, _: FrameType | None) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        self.shutdown.set()

    def serve(self) -> int:
        """Install the SIGTERM/SIGINT handlers and ``run``."""
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        return self.run()
