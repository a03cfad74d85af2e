"""``smq spiff``: run Camunda-8-modeled BPMN embedded, with SpiffWorkflow (adapters/spiff)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cli.commands import Commands

ORDER = 64


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    # Listed in `smq --help`; its arguments (and -h) go to the adapter's own parser.
    p = commands.add_parser(
        "spiff",
        add_help=False,
        help="run Camunda 8 BPMN embedded: start, run, show, list, retry (smq spiff -h)",
    )
    p.set_defaults(run=lambda args: run_argv([]))


def run_argv(argv: Sequence[str]) -> int:
    from adapters.spiff.cli import main  # loaded on demand

    return main(list(argv))
