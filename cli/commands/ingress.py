"""``smq ingress``: dispatch jobs that any program XADDs to the ingress stream."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cli.commands import Commands

ORDER = 66


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    # Listed in `smq --help`; its arguments (and -h) go to the adapter's own parser.
    p = commands.add_parser(
        "ingress",
        add_help=False,
        help="validate and submit jobs XADDed to the ingress stream (smq ingress -h)",
    )
    p.set_defaults(run=lambda args: run_argv([]))


def run_argv(argv: Sequence[str]) -> int:
    from adapters.ingress import main  # loaded on demand

    return main(list(argv))
