"""Structured logs: structlog events, JSON unless on a terminal, secrets masked.

Celery's own log records go through the same processors (``configure`` is called from
Celery's ``setup_logging`` signal), so a worker writes one JSON stream.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from producer.settings import Settings
from worker.secrets import MASK, Redactor

_redactor: ContextVar[Redactor | None] = ContextVar("smq_redactor", default=None)
_SENSITIVE_KEYS = ("secret", "password", "token", "accesskey", "authorization", "credential")


@contextmanager
def redacting(redactor: Redactor) -> Iterator[None]:
    """Mask ``redactor``'s values in every log line written in this context (one job)."""
    token = _redactor.set(redactor)
    try:
        yield
    finally:
        _redactor.reset(token)


@lru_cache(maxsize=4096)
def _sensitive(key: str) -> bool:
    """Whether a field name looks like it holds a credential (cached: names repeat)."""
    folded = key.lower().replace("_", "")
    return any(s in folded for s in _SENSITIVE_KEYS)


def _redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    redactor = _redactor.get()
    for key, value in event.items():
        if _sensitive(key):
            event[key] = MASK
        elif redactor and isinstance(value, str):
            event[key] = redactor(value)
    return event


def _redact_traceback(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """A formatted traceback may quote a secret: mask it too."""
    redactor = _redactor.get()
    text = event.get("exception")
    if redactor and isinstance(text, str):
        event["exception"] = redactor(text)
    return event


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]


def configure(settings: Settings) -> None:
    """Our events through structlog's native path; Celery's stdlib records through the same
    processors and renderer; both to stderr, one JSON object per line.

    The native path (no stdlib ``logging`` in between) costs a fraction of the stdlib
    integration per event, and a worker writes three per job.
    """
    json_output = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.format_exc_info,
            _redact_traceback,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
        # sys.__stderr__: Celery may have swapped sys.stderr for a proxy that logs writes.
        logger_factory=structlog.WriteLoggerFactory(file=sys.__stderr__),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared_processors()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_traceback,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.captureWarnings(True)  # Python warnings (Celery's SecurityWarning…) as log events
    for noisy in ("botocore", "urllib3", "boto3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Celery's per-task "received"/"succeeded" lines repeat our own job events, and cost the
    # worker's single event-loop thread a formatted record per job each.
    for per_task in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(per_task).setLevel(max(logging.WARNING, root.level))
