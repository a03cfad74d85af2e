"""``celery worker`` as this service runs it: Celery's worker program, with what it prints to
the console made log events, so that with JSON logs every line a worker writes is JSON.

Celery warns about running as root before it sets up logging, prints its banner to stdout and
writes "worker: Warm shutdown" to stdout from the SIGTERM handler. Here logging is configured
first (warnings go through it), the banner is one ``worker_starting`` event with the same
facts, and SIGTERM/SIGQUIT run Celery's own handlers without the print, a ``worker_stopping``
event following once the shutdown begins.
"""

from __future__ import annotations

from typing import Any

import celery
import structlog
from celery.apps.worker import Worker as CeleryWorker
from celery.apps.worker import (  # type: ignore[attr-defined] # not in the stubs
    install_worker_term_handler,
    install_worker_term_hard_handler,
)

from worker import logs
from worker.settings import get_worker_settings

log = structlog.get_logger("worker.program")


class Worker(CeleryWorker):
    # Set by Celery's WorkController; the stubs do not declare them.
    hostname: str
    pool_cls: Any
    concurrency: int
    task_events: bool

    def on_before_init(self, quiet: bool = False, **kwargs: Any) -> None:
        logs.configure(get_worker_settings())  # before Celery's checks warn
        super().on_before_init(quiet=quiet, **kwargs)

    def emit_banner(self) -> None:
        pool = self.pool_cls if isinstance(self.pool_cls, str) else self.pool_cls.__module__
        log.info(
            "worker_starting",
            node=self.hostname,
            celery=celery.__version__,
            transport=self.app.connection().as_uri(),  # password masked
            pool=pool.rsplit(".", 1)[-1],
            concurrency=self.concurrency,
            task_events=bool(self.task_events),
            queues=sorted(self.app.amqp.queues),
        )

    def install_platform_tweaks(self, worker: Any) -> None:
        super().install_platform_tweaks(worker)
        # The same handlers again, without their print. (They run in a signal handler, where
        # logging could deadlock on the log's write lock: ``stop`` logs instead.)
        install_worker_term_handler(worker, verbose=False)
        install_worker_term_hard_handler(worker, verbose=False)

    def stop(self, in_sighandler: bool = False, exitcode: int | None = None) -> None:
        if not in_sighandler:
            log.info("worker_stopping", node=self.hostname, exitcode=exitcode)
        super().stop(in_sighandler=in_sighandler, exitcode=exitcode)
