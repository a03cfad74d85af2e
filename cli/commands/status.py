"""``smq status [ID]``: one job's state, or the service's backlog and the workers online."""

from __future__ import annotations

import argparse
from typing import Any

from cli.commands import Commands
from cli.config import load_settings, redis_for
from cli.errors import CliError, Exit
from cli.output import Format, add_output_option, chosen, console, print_record
from cli.workers import PING_TIMEOUT, no_worker_hint, workers_online
from producer.results import job_status, service_status

ORDER = 40


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "status",
        help="a job's state and result; without an id, the backlog and the workers online",
        description="With an ID: the job's state, times (ISO-8601, UTC), attempts and result, "
        "never its document. Without: jobs waiting and the oldest one's age, retries, "
        "pending asynchronous inferences, dead letters, and the workers that answer a ping "
        f"(which takes {PING_TIMEOUT:g}s).",
    )
    p.add_argument("job_id", nargs="?", default=None, metavar="ID")
    add_output_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> Exit:
    settings = load_settings()
    redis = redis_for(settings)
    fmt = chosen(args)
    if args.job_id is not None:
        status = job_status(redis, args.job_id)
        if status is None:
            raise CliError(
                f"no such job: {args.job_id} (never submitted, or its record expired)",
                Exit.NOT_FOUND,
            )
        print_record(status, fmt, title=f"job {args.job_id}")
        return Exit.OK
    summary = service_status(redis, settings)
    names = workers_online()
    summary["workers"] = {"online": None if names is None else len(names), "names": names}
    warnings = _warnings(summary, names, settings.queue)
    if fmt is Format.JSON:
        print_record({**summary, "warnings": warnings}, fmt)
        return Exit.OK
    print_record(summary, fmt, title="smq status")
    for warning in warnings:
        console().print(f"warning: {warning}", style="bold", markup=False)
    return Exit.OK


def _warnings(summary: dict[str, Any], names: list[str] | None, queue: str) -> list[str]:
    waiting = summary["queue"]["jobsWaiting"] + summary["queue"]["retriesWaiting"]
    if names is None:
        return ["could not ask the workers (the ping failed)"]
    if not names and waiting:
        return [f"{no_worker_hint(queue)} ({waiting} job(s) waiting)"]
    return []
