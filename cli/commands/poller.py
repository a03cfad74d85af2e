"""``smq poller``: run the loop that finishes asynchronous inferences."""

from __future__ import annotations

import argparse

from cli.commands import Commands
from cli.config import load_worker_settings

ORDER = 60


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "poller", help="run the poller that finishes asynchronous inferences (one or more)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from worker.poller.process import main as run_poller  # the worker side, loaded on demand

    return run_poller(load_worker_settings())
