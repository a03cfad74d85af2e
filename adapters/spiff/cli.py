"""smq spiff: run Camunda-8-modeled BPMN embedded, with SpiffWorkflow.

    smq spiff start FILE.bpmn [--process ID] [--data JSON]   # one JSON line: id, status
    smq spiff run                                            # apply results (long-running)
    smq spiff show ID | list | retry ID

Exit codes: 0 ok, 2 invalid input (model, data), 4 Redis unreachable, 5 no such instance.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters import logs
from adapters.spiff.engine import SpiffEngine
from adapters.spiff.errors import InstanceNotFoundError, ModelFileError
from adapters.spiff.parser import parse_model
from adapters.spiff.runner import Runner
from adapters.spiff.settings import SpiffSettings, get_spiff_settings
from producer.connection import connect

# The codes of `smq` (cli/errors.py): 5 is "not found" there too.
EXIT_OK, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_UNREACHABLE = 0, 5, 2, 4
# A person at a terminal wants "Redis unreachable" in seconds; `run` keeps the full budget.
CLI_RETRY_SECONDS = 4.0


def _engine(settings: SpiffSettings, long_running: bool = False) -> SpiffEngine:
    redis = connect(settings, None if long_running else CLI_RETRY_SECONDS)
    return SpiffEngine(redis, settings)


def _print(value: Any, out: TextIO) -> None:
    print(json.dumps(value, separators=(",", ":")), file=out, flush=True)


def cmd_start(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    data = json.loads(args.data) if args.data else {}
    if not isinstance(data, dict):
        raise ModelFileError("--data must be a JSON object")
    model = parse_model(args.file, args.process)
    _print(_engine(settings).start(model, data), out)
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    engine = _engine(settings, long_running=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    Runner(engine).run(stop)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    _print(_engine(settings).show(args.id), out)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    for row in _engine(settings).store.listing(args.limit):
        _print(row, out)
    return EXIT_OK


def cmd_retry(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    shown = _engine(settings).retry(args.id)
    _print({"id": shown["id"], "status": shown["status"]}, out)
    return EXIT_OK


def cmd_cancel(args: argparse.Namespace, settings: SpiffSettings, out: TextIO) -> int:
    shown = _engine(settings).cancel(args.id)
    _print({"id": shown["id"], "status": shown["status"]}, out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smq spiff", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="start an instance; print its id and status")
    p.add_argument("file", help="a BPMN file modeled for Camunda 8")
    p.add_argument("--process", default=None, help="process id (when the file has several)")
    p.add_argument("--data", default=None, help="the instance's variables, a JSON object")
    p.set_defaults(func=cmd_start)
    p = sub.add_parser("run", help="apply job results to waiting instances (long-running)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("show", help="an instance: status, data, end event, incidents")
    p.add_argument("id")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("list", help="instances, newest first, one JSON line each")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("retry", help="activate again the tasks of an instance in an incident")
    p.add_argument("id")
    p.set_defaults(func=cmd_retry)
    p = sub.add_parser("cancel", help="end an unfinished instance where it stands")
    p.add_argument("id")
    p.set_defaults(func=cmd_cancel)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_spiff_settings()
    logs.configure(settings)  # to stderr: stdout carries only the JSON answers
    try:
        return int(args.func(args, settings, sys.stdout))
    except (ModelFileError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except InstanceNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (RedisConnectionError, RedisTimeoutError) as exc:
        print(f"error: cannot reach Redis at SMQ_REDIS_URL: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
