"""``smq camunda7``: the Camunda 7 / Operaton / CIB seven adapter, an external-task worker."""

from __future__ import annotations

import argparse

from cli.commands import Commands

ORDER = 63


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "camunda7",
        help="run the Camunda 7 / Operaton adapter (configured by SMQ_CAMUNDA7_*)",
        description="Fetch and lock Camunda 7 external tasks (topic aws-sagemaker by default), "
        "run them on the queue and report each outcome to the engine; runs until SIGTERM. Any "
        "number of replicas may run (with one worker id).",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from adapters.camunda7.main import main as run_adapter  # loaded on demand

    return run_adapter([])
