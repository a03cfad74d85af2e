"""``smq submit FILE…``: validate every job of every file, enqueue them, print their ids.

All or nothing: every file is read and every job validated (contract and SageMaker's limits)
before the first one is enqueued. Ids are printed as their part of the submission goes in,
so an interrupted or timed-out run can always be followed with ``smq wait``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from cli.commands import Commands
from cli.config import load_settings, redis_for
from cli.errors import CliError, Exit
from cli.inputs import Document, read_job_files
from cli.output import ResultPrinter, add_output_option, chosen
from cli.progress import ENQUEUING, Progress, add_quiet_option
from cli.waiting import Waiter
from producer.contract import Job
from producer.errors import JobValidationError
from producer.results import stream_tail
from producer.settings import Settings
from producer.submit import Producer, Submission, validate_all

ORDER = 10
# Jobs enqueued per round trip, in whole messages: big enough to cost nothing, small
# enough that ids appear (and Ctrl-C lands) while a large file goes in.
_MESSAGES_PER_PART = 128


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "submit",
        help="validate and enqueue jobs; print their ids",
        description="Validate every job of every FILE, then enqueue them (nothing is enqueued "
        "if any job is invalid). Without --wait the ids go to stdout, one per line. A job "
        "without an id gets a new one on every submission: give ids to make resubmitting "
        "a file safe.",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a job, a JSON array of jobs, or JSON lines; several files and globs are fine; "
        "- reads stdin",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="wait and print each result on stdout; the ids then go to stderr (or --ids)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait with --wait (default 300; then exit 3 with the pending ids)",
    )
    p.add_argument(
        "--ids",
        metavar="IDS_FILE",
        help="write the job ids to IDS_FILE, one per line (smq wait --from IDS_FILE reads it)",
    )
    add_output_option(p)
    add_quiet_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> Exit:
    documents = read_job_files(args.files)
    settings = load_settings()
    prepared = _validate(documents, settings)
    ids_file = _open_ids_file(args.ids)
    try:
        redis = redis_for(settings)
        streams = {job.reply_to or settings.result_stream for job, _ in prepared}
        # Taken before submitting, so no result of ours can land before the cursor.
        cursors = {s: stream_tail(redis, s) for s in streams} if args.wait else {}
        producer = Producer(redis, settings)
        with Progress.of(args, "enqueuing", len(prepared), ENQUEUING) as progress:
            _note_missing_ids(documents, progress)
            submissions = _enqueue(producer, prepared, args, progress, ids_file)
    finally:
        if ids_file is not None:
            ids_file.close()
    if not args.wait:
        return Exit.OK
    pending = {
        sub.job_id: job.reply_to or settings.result_stream
        for sub, (job, _) in zip(submissions, prepared, strict=True)
    }
    with Progress.of(args, "waiting", len(pending)) as progress:
        waiter = Waiter(redis, settings.queue, ResultPrinter(chosen(args)), progress)
        return waiter.wait(pending, cursors, args.timeout)


def _validate(documents: list[Document], settings: Settings) -> list[tuple[Job, str]]:
    try:
        return validate_all(
            [d.value for d in documents],
            max_job_bytes=settings.max_job_bytes,
            labels=[d.where for d in documents],
        )
    except JobValidationError as exc:
        for problem in exc.problems:
            print(f"invalid: {problem}", file=sys.stderr)
        raise CliError(f"{len(exc.problems)} problem(s); nothing was enqueued") from None


def _open_ids_file(path: str | None) -> TextIO | None:
    if path is None:
        return None
    try:
        return open(path, "w", encoding="utf-8")  # closed by run()
    except OSError as exc:
        raise CliError(f"{path}: cannot write the ids there ({exc.strerror or exc})") from None


def _note_missing_ids(documents: list[Document], progress: Progress) -> None:
    missing = sum(1 for d in documents if not (isinstance(d.value, dict) and d.value.get("id")))
    if missing:
        progress.note(
            f"note: {missing} job(s) have no id and got a new one: submitting them again "
            'runs them again. Give each job an "id" to make a resubmission safe.'
        )


def _enqueue(
    producer: Producer,
    prepared: list[tuple[Job, str]],
    args: argparse.Namespace,
    progress: Progress,
    ids_file: TextIO | None,
) -> list[Submission]:
    part = producer.settings.batch_size * _MESSAGES_PER_PART
    submissions: list[Submission] = []
    for start in range(0, len(prepared), part):
        done = producer.enqueue(prepared[start : start + part])
        submissions += done
        _print_ids(done, args, progress, ids_file)
        fresh = sum(1 for s in done if s.enqueued)
        progress.advance(done=fresh, failed=len(done) - fresh)
    return submissions


def _print_ids(
    submissions: list[Submission],
    args: argparse.Namespace,
    progress: Progress,
    ids_file: TextIO | None,
) -> None:
    for sub in submissions:
        if not sub.enqueued:
            progress.note(f"note: job {sub.job_id} already exists; not enqueued again")
    if ids_file is not None:
        ids_file.write("".join(f"{s.job_id}\n" for s in submissions))
        ids_file.flush()
    if not args.wait:
        with progress.writing_stdout():
            sys.stdout.write("".join(f"{s.job_id}\n" for s in submissions))
            sys.stdout.flush()
    elif ids_file is None:
        for sub in submissions:
            if sub.enqueued:
                progress.note(f"enqueued {sub.job_id}")
