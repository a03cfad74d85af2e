"""``smq``: submit jobs, read results, inspect a job, print the contract's JSON Schema.

Exit codes: 0 ok (all completed), 1 a job failed, 2 invalid input (nothing enqueued),
3 timed out waiting, 4 Redis unreachable.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from producer.connection import connect
from producer.errors import JobValidationError
from producer.health import check, probe_client
from producer.keys import HEARTBEAT_MAX_AGE, Role
from producer.results import (
    DEFAULT_GROUP,
    ResultConsumer,
    job_status,
    service_status,
    stream_tail,
    wait_for,
)
from producer.schema import schemas
from producer.settings import get_settings
from producer.submit import Producer

# A person at a terminal wants "Redis unreachable" in seconds, not after a worker's patience.
CLI_RETRY_SECONDS = 4.0
EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_TIMEOUT, EXIT_UNREACHABLE = 0, 1, 2, 3, 4


class InputFileError(ValueError):
    """The submitted file is not JSON, a JSON array, or JSON lines."""


def read_documents(text: str) -> list[Any]:
    """One job, a JSON array of jobs, or JSON lines (one job per line)."""
    stripped = text.strip()
    if not stripped:
        raise InputFileError("no job in the input")
    try:
        value = json.loads(stripped)
    except ValueError:
        return [_json_line(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    return value if isinstance(value, list) else [value]


def _json_line(number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise InputFileError(f"line {number}: not valid JSON ({exc})") from None


def cmd_submit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else _read_file(args.file)
        documents = read_documents(text)
    except (InputFileError, OSError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    settings = get_settings()
    redis = connect(settings, CLI_RETRY_SECONDS)
    streams = {_reply_to(d, settings.result_stream) for d in documents}
    # Taken before submitting, so no result of ours can land before the cursor.
    cursors = {s: stream_tail(redis, s) for s in streams} if args.wait else {}
    try:
        submissions = Producer(redis, settings).submit_many(documents)
    except JobValidationError as exc:
        for problem in exc.problems:
            print(f"invalid: {problem}", file=err)
        print(f"error: {len(exc.problems)} problem(s); nothing was enqueued", file=err)
        return EXIT_INVALID
    for sub in submissions:
        if not sub.enqueued:
            print(f"note: job {sub.job_id} already exists; not enqueued again", file=err)
        if not args.wait:
            print(sub.job_id, file=out)
    if not args.wait:
        return EXIT_OK
    pending = {
        sub.job_id: _reply_to(doc, settings.result_stream)
        for sub, doc in zip(submissions, documents, strict=True)
    }
    return _print_results(redis, pending, cursors, args.timeout, out, err)


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _reply_to(document: Any, default: str) -> str:
    value = document.get("replyTo") if isinstance(document, dict) else None
    return value if isinstance(value, str) and value.strip() else default


def _print_results(
    redis: Any,
    pending: dict[str, str],
    cursors: dict[str, str],
    timeout: float,
    out: TextIO,
    err: TextIO,
) -> int:
    failed = False
    remaining = set(pending)
    for result in wait_for(redis, pending, cursors, timeout=timeout):
        remaining.discard(result.id)
        failed = failed or result.status != "completed"
        print(result.model_dump_json(by_alias=True), file=out, flush=True)
    if remaining:
        print(f"error: timed out after {timeout:g}s waiting for {len(remaining)} job(s)", file=err)
        return EXIT_TIMEOUT
    return EXIT_FAILED if failed else EXIT_OK


def cmd_results(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = get_settings()
    consumer = ResultConsumer(
        connect(settings, CLI_RETRY_SECONDS),
        args.stream or settings.result_stream,
        group=args.group,
        consumer=args.consumer,
    )
    for result in consumer.results(follow=args.follow):
        print(result.model_dump_json(by_alias=True), file=out, flush=True)
    return EXIT_OK


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = get_settings()
    redis = connect(settings, CLI_RETRY_SECONDS)
    if args.job_id is None:
        print(json.dumps(service_status(redis, settings), indent=2), file=out)
        return EXIT_OK
    status = job_status(redis, args.job_id)
    if status is None:
        print(f"error: no job {args.job_id} (never submitted, or expired)", file=err)
        return EXIT_FAILED
    print(json.dumps(status, indent=2), file=out)
    return EXIT_OK


def cmd_poller(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from worker.poller.loop import main as run_poller  # the worker side, loaded on demand

    return run_poller()


def cmd_health(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Exit 0 with "ok: …" when healthy, 1 with the reason when not (4: Redis unreachable)."""
    settings = get_settings()
    host = socket.gethostname() if args.this_host else None
    health = check(probe_client(settings), Role(args.role), host=host, max_age=args.max_age)
    if health.healthy:
        print(health.reason, file=out)
        return EXIT_OK
    print(f"unhealthy: {health.reason}", file=err)
    return EXIT_FAILED


def cmd_exporter(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from producer.exporter import serve
    from worker.logs import configure  # the same JSON log lines as workers and pollers

    settings = get_settings()
    if settings.metrics_port is None:
        print("error: set SMQ_METRICS_PORT to the port to serve /metrics on", file=err)
        return EXIT_INVALID
    configure(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    serve(settings, settings.metrics_port, stop)
    return EXIT_OK


def cmd_feel(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from feel.playground import run  # the evaluator lives with the worker

    code, text = run(args.expression, args.context)
    print(text, file=out if code == 0 else err)
    return code


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    print(json.dumps(schemas()[args.which], indent=2), file=out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smq", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("submit", help="validate and enqueue jobs; print their ids")
    p.add_argument("file", help="a job, a JSON array of jobs, or JSON lines; - for stdin")
    p.add_argument("--wait", action="store_true", help="print each result as a JSON line")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (default 300)")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("results", help="read results as a consumer group member and ack them")
    p.add_argument("--follow", "-f", action="store_true", help="keep waiting for new results")
    p.add_argument("--group", default=DEFAULT_GROUP)
    p.add_argument("--consumer", default=None, help="consumer name (default host-pid)")
    p.add_argument("--stream", default=None, help="result stream (default SMQ_RESULT_STREAM)")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser("status", help="a job's state and result; without an id, the service's")
    p.add_argument("job_id", nargs="?", default=None)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("poller", help="run the poller that finishes asynchronous inferences")
    p.set_defaults(func=cmd_poller)

    p = sub.add_parser("health", help="probe: is a worker or poller alive (exit 0) or not")
    p.add_argument("--role", choices=[r.value for r in Role], required=True)
    p.add_argument("--this-host", action="store_true", help="only heartbeats from this host count")
    p.add_argument(
        "--max-age",
        type=float,
        default=HEARTBEAT_MAX_AGE,
        help=f"seconds a heartbeat stays valid (default {HEARTBEAT_MAX_AGE:g})",
    )
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("exporter", help="serve the queue-level Prometheus gauges")
    p.set_defaults(func=cmd_exporter)

    p = sub.add_parser("feel", help="evaluate a FEEL expression: try a result/error expression")
    p.add_argument("expression", help="e.g. '{score: response.body.score}' (a leading = is fine)")
    p.add_argument("--context", default=None, help="the variables, as a JSON object")
    p.set_defaults(func=cmd_feel)

    p = sub.add_parser("schema", help="print the JSON Schema of the job or result contract")
    p.add_argument("which", choices=["job", "result"])
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, sys.stdout, sys.stderr))
    except (RedisConnectionError, RedisTimeoutError) as exc:
        print(f"error: cannot reach Redis at SMQ_REDIS_URL: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
