"""``smq dead-letters list|replay|purge``: see what could not be delivered, and send it again.

Replay puts the jobs an entry names back on the queue by id (``Producer.requeue``): a job
already done is not run again, so replaying twice is harmless. A replayed entry is removed;
one that names no job Redis still holds stays, and is reported.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from cli import deadletters
from cli.commands import Commands
from cli.config import load_settings, redis_for
from cli.errors import CliError, Exit
from cli.output import add_output_option, chosen, print_rows
from cli.progress import Progress, add_quiet_option
from producer.keys import DEAD_LETTER_STREAM
from producer.submit import Producer, Requeued

ORDER = 50
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_COLUMNS = ("entry", "time", "ageSeconds", "reason", "jobIds")


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "dead-letters",
        help="list, replay or purge dead letters",
        description=f"Dead letters: queue items no worker could read ({DEAD_LETTER_STREAM}), "
        "or, with --stream STREAM:dead, results no consumer could finish.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("list", help="the newest dead letters: when, why, which jobs")
    _stream_option(a)
    a.add_argument("--last", "-n", type=int, default=50, metavar="N", help="0 lists all")
    add_output_option(a)
    a.set_defaults(run=run_list)

    a = actions.add_parser(
        "replay", help="queue the jobs of dead letters again by id (a done job is not rerun)"
    )
    _stream_option(a)
    a.add_argument("entries", nargs="*", metavar="ENTRY_ID", help="dead-letter entry ids")
    a.add_argument("--all", action="store_true", help="every entry of the stream")
    add_output_option(a)
    add_quiet_option(a)
    a.set_defaults(run=run_replay)

    a = actions.add_parser("purge", help="delete dead letters older than a duration")
    _stream_option(a)
    a.add_argument(
        "--older-than",
        required=True,
        type=duration,
        metavar="AGE",
        help="e.g. 90s, 30m, 12h, 7d, 2w (0 deletes all)",
    )
    a.set_defaults(run=run_purge)


def _stream_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stream",
        default=DEAD_LETTER_STREAM,
        help=f"the dead-letter stream (default {DEAD_LETTER_STREAM}, the queue's; a result "
        "stream's is STREAM:dead)",
    )


def duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``12h``, ``7d``, ``2w`` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 30m, 12h, 7d")
    return float(match[1]) * _UNITS.get(match[2] or "s", 1)


def run_list(args: argparse.Namespace) -> Exit:
    redis = redis_for(load_settings())
    letters = deadletters.read(redis, args.stream, last=max(0, args.last))
    print_rows([d.row() for d in letters], _COLUMNS, chosen(args))
    if not letters:
        print(f"no dead letters in {args.stream}", file=sys.stderr)
    return Exit.OK


def run_replay(args: argparse.Namespace) -> Exit:
    if bool(args.entries) == bool(args.all):
        raise CliError("give dead-letter entry ids, or --all (not both)")
    settings = load_settings()
    redis = redis_for(settings)
    if args.all:
        letters = deadletters.read(redis, args.stream)
    else:
        found = deadletters.find(redis, args.stream, args.entries)
        missing = [e for e in args.entries if e not in found]
        if missing:
            raise CliError(f"no such entry in {args.stream}: {' '.join(missing)}", Exit.NOT_FOUND)
        letters = list(found.values())
    producer = Producer(redis, settings)
    rows, kept = [], []
    with Progress.of(args, "replaying", len(letters)) as progress:
        for letter in letters:
            outcome = producer.requeue(letter.job_ids) if letter.job_ids else {}
            rows += [{"entry": letter.entry_id, "job": j, "outcome": o} for j, o in outcome.items()]
            replayed = bool(outcome) and Requeued.UNKNOWN not in outcome.values()
            if replayed:
                redis.xdel(args.stream, letter.entry_id)
            else:
                kept.append(letter)
            progress.advance(done=int(replayed), failed=int(not replayed))
        print_rows(rows, ("entry", "job", "outcome"), chosen(args))
        for letter in kept:
            why = "names no job" if not letter.job_ids else "names a job Redis no longer holds"
            progress.warn(f"kept {letter.entry_id}: it {why}; nothing to replay")
    return Exit.NOT_FOUND if kept else Exit.OK


def run_purge(args: argparse.Namespace) -> Exit:
    redis = redis_for(load_settings())
    before_ms = int((time.time() - args.older_than) * 1000)
    removed = redis.xtrim(args.stream, minid=f"{before_ms}-0", approximate=False)
    print(f"deleted {removed} dead letter(s) from {args.stream}", file=sys.stderr)
    return Exit.OK
