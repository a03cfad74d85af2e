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
        "command a timed-out or interrupted submit --wait prints.",
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
    pending = _streams(redis, ids)
    # Cursors before the stored results are looked at (in Waiter), so a result posted in
    # between is on the stream after the cursor: none slips through.
    cursors = {s: stream_tail(redis, s) for s in set(pending.values())}
    with Progress.of(args, "waiting", len(pending)) as progress:
        waiter = Waiter(redis, settings.queue, ResultPrinter(chosen(args)), progress)
        return waiter.wait(pending, cursors, args.timeout)


def _streams(redis: RedisClient, ids: list[str]) -> dict[str, str]:
    """Each job's result stream; every id must name a job Redis still holds."""
    with redis.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.hget(job_key(job_id), JobField.REPLY_TO)
        streams = pipe.execute()
    unknown = [i for i, s in zip(ids, streams, strict=True) if s is None]
    if unknown:
        shown = " ".join(unknown[:10]) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        raise CliError(
            f"no such job: {shown} (never submitted, or its record expired after "
            "SMQ_JOB_TTL_SECONDS); nothing to wait for",
            Exit.NOT_FOUND,
        )
    return {i: str(s) for i, s in zip(ids, streams, strict=True)}
