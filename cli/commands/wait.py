"""``smq wait ID… | --from FILE``: wait for jobs submitted earlier and print their results."""

from __future__ import annotations

import argparse

from cli.commands import Commands
from cli.config import load_settings, redis_for
from cli.errors import CliError, Exit
from cli.inputs import read_ids
from cli.output import ResultPrinter, add_output_option, chosen
from cli.progress import Progress, add_quiet_option
from cli.waiting import Waiter
from producer.connection import RedisClient
from producer.keys import JobField, job_key
from producer.results import stream_tail

ORDER = 20


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "wait",
        help="wait for jobs by id and print their results (done ones at once)",
        description="Wait for jobs submitted earlier, by id, and print each result as it "
        "arrives; a job already done is answered from its stored result. This is the "
        "command a timed-out or interrupted submit --wait prints. An id Redis holds no job "
        "for is named on stderr and the others are waited for; the exit code is then 5 "
        "unless another job failed or timed out.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="job ids")
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="IDS_FILE",
        help="read job ids from IDS_FILE, one per line (as submit --ids writes it); - is stdin",
    )
    p.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait (default 300; then exit 3)"
    )
    add_output_option(p)
    add_quiet_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> Exit:
    ids = list(args.ids) + (read_ids(args.from_file) if args.from_file else [])
    if not ids:
        raise CliError("no job ids: give them as arguments or with --from IDS_FILE")
    ids = list(dict.fromkeys(ids))
    settings = load_settings()
    redis = redis_for(settings)
    pending, unknown = _streams(redis, ids)
    if not pending:
        message = f"no such job: {_listed(unknown)} ({_UNKNOWN}); nothing to wait for"
        raise CliError(message, Exit.NOT_FOUND)
    # Cursors before the stored results are looked at (in Waiter), so a result posted in
    # between is on the stream after the cursor: none slips through.
    cursors = {s: stream_tail(redis, s) for s in set(pending.values())}
    with Progress.of(args, "waiting", len(pending)) as progress:
        if unknown:
            others = f"waiting for the other {len(pending)}"
            progress.warn(f"no such job: {_listed(unknown)} ({_UNKNOWN}); {others}")
        waiter = Waiter(redis, settings.queue, ResultPrinter(chosen(args)), progress)
        code = waiter.wait(pending, cursors, args.timeout)
    # The others' outcome first (a failure or a timeout says more); else "not found".
    return Exit.NOT_FOUND if unknown and code == Exit.OK else code


_UNKNOWN = "never submitted, or its record expired after SMQ_JOB_TTL_SECONDS"


def _listed(ids: list[str]) -> str:
    return " ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def _streams(redis: RedisClient, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each known job's result stream, and the ids Redis holds no job for."""
    with redis.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.hget(job_key(job_id), JobField.REPLY_TO)
        streams = pipe.execute()
    known = {i: str(s) for i, s in zip(ids, streams, strict=True) if s is not None}
    return known, [i for i in ids if i not in known]
