"""``smq results``: look at the result stream without taking anything from the engine;
``smq result ID``: one job's stored result.

The engine's adapters consume the stream as the group ``smq-adapters``: an entry acknowledged
there is gone for them. So looking is a tail (XREVRANGE/XREAD, nothing acknowledged), and
consuming needs an explicit ``--group``, the adapters' own one only with ``--force``.
"""

from __future__ import annotations

import argparse
import sys

import structlog

from cli.commands import Commands
from cli.config import load_settings, redis_for
from cli.errors import CliError, Exit
from cli.output import ResultPrinter, add_output_option, chosen
from producer.keys import JobField, job_key
from producer.results import DEFAULT_GROUP, ResultConsumer, stored_result, tail

ORDER = 30


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "results",
        help="show the latest results (a tail: nothing is acknowledged)",
        description="Show the last results on the result stream, and with --follow new ones "
        "as they arrive. Nothing is acknowledged: the engine's adapters still get every "
        "result. --group consumes as a member of a consumer group instead (results it "
        f"acknowledges are gone for that group); the adapters' group {DEFAULT_GROUP!r} "
        "needs --force.",
    )
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new results")
    p.add_argument(
        "--last", "-n", type=int, default=10, metavar="N", help="show the last N (default 10)"
    )
    p.add_argument("--stream", default=None, help="result stream (default SMQ_RESULT_STREAM)")
    p.add_argument(
        "--group",
        default=None,
        metavar="NAME",
        help="consume and acknowledge as a member of consumer group NAME",
    )
    p.add_argument("--consumer", default=None, help="with --group: consumer name (host-pid)")
    p.add_argument(
        "--force",
        action="store_true",
        help=f"with --group {DEFAULT_GROUP}: consume the adapters' own results",
    )
    add_output_option(p)
    p.set_defaults(run=run_results)

    p = commands.add_parser(
        "result", help="print one job's stored result (exit 1 if the job failed)"
    )
    p.add_argument("job_id", metavar="ID")
    add_output_option(p)
    p.set_defaults(run=run_result)


def run_results(args: argparse.Namespace) -> Exit:
    if args.group is None and (args.consumer or args.force):
        raise CliError("--consumer and --force go with --group")
    if args.group == DEFAULT_GROUP and not args.force:
        raise CliError(
            f"{DEFAULT_GROUP!r} is the engine adapters' group: results acknowledged here "
            "never reach the engine. Drop --group to look without consuming, or add --force"
        )
    settings = load_settings()
    redis = redis_for(settings)
    stream = args.stream or settings.result_stream
    printer = ResultPrinter(chosen(args))
    if args.group is None:
        for entry_id, result in tail(redis, stream, last=max(0, args.last), follow=args.follow):
            if result is None:
                print(f"note: entry {entry_id} is not a readable result", file=sys.stderr)
            else:
                printer.print(result)
        return Exit.OK
    # The consumer logs a poison entry it buries; those lines belong on stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    consumer = ResultConsumer(redis, stream, group=args.group, consumer=args.consumer)
    for result in consumer.results(follow=args.follow):
        printer.print(result)
    return Exit.OK


def run_result(args: argparse.Namespace) -> Exit:
    redis = redis_for(load_settings())
    result = stored_result(redis, args.job_id)
    if result is None:
        state = redis.hget(job_key(args.job_id), JobField.STATE)
        if not state:
            raise CliError(
                f"no such job: {args.job_id} (never submitted, or its record expired)",
                Exit.NOT_FOUND,
            )
        raise CliError(
            f"job {args.job_id} has no result yet (it is {state!s}); "
            f"smq wait {args.job_id} waits for it",
            Exit.NOT_FOUND,
        )
    ResultPrinter(chosen(args)).print(result)
    return Exit.OK if result.status == "completed" else Exit.FAILED
