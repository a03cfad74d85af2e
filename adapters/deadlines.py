"""Keep held engine jobs' deadlines ahead while the queue works on them (classified retries,
long asynchronous inferences), so the engine does not hand them to another worker."""

from __future__ import annotations

import threading
import time

import structlog

from adapters.engine import Engine
from adapters.errors import EngineError, JobConflict, JobGone
from adapters.inflight import InFlight
from adapters.keys import RecordState
from adapters.records import EngineJobRecords

log = structlog.get_logger("adapters.deadlines")
# After a failed extension, try again this soon (the deadline is still every/2 or more away).
_RETRY_SECONDS = 1.0


def extend_due(engine: Engine, inflight: InFlight, records: EngineJobRecords, every: float) -> int:
    """Push the deadline of each held job that is due; returns how many were pushed.

    A job whose record moved on (reported by another replica, or a later attempt) is no
    longer held; a job the engine no longer has (404/409: instance cancelled) neither.
    """
    now = time.monotonic()
    due = inflight.due(now)
    if not due:
        return 0
    pushed = 0
    states = records.states([job.job_key for job in due])
    for job, (current, state) in zip(due, states, strict=True):
        if current != job.job_id or state == RecordState.REPORTED:
            inflight.release(job.job_key)
            continue
        try:
            engine.extend(job.job_key)
        except (JobGone, JobConflict) as exc:
            log.warning("job_left_engine", job_key=job.job_key, status=exc.status, title=exc.title)
            inflight.release(job.job_key)
        except EngineError as exc:
            log.warning("deadline_not_extended", job_key=job.job_key, error=str(exc))
            job.extend_at = now + _RETRY_SECONDS
        else:
            job.extend_at = now + every
            pushed += 1
    return pushed


def keep_deadlines(
    engine: Engine,
    inflight: InFlight,
    records: EngineJobRecords,
    every: float,
    stop: threading.Event,
) -> None:
    """Run ``extend_due`` until ``stop``; run it in a thread of its own."""
    tick = max(0.2, min(every / 4, 5.0))
    while not stop.wait(tick):
        try:
            pushed = extend_due(engine, inflight, records, every)
            if pushed:
                log.debug("deadlines_extended", count=pushed)
        except Exception:
            log.exception("deadline_loop_failed")
