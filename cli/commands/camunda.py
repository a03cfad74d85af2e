"""``smq camunda``: the Camunda 8 adapter, a job worker on the Orchestration Cluster REST API."""

from __future__ import annotations

import argparse

from cli.commands import Commands

ORDER = 62


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "camunda",
        help="run the Camunda 8 adapter (configured by CAMUNDA_* and SMQ_CAMUNDA_*)",
        description="Activate Camunda 8 jobs (task type io.camunda:aws-sagemaker:1 by "
        "default), run them on the queue and report each outcome to the engine; runs until "
        "SIGTERM. Any number of replicas may run.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from adapters.camunda8.main import main as run_adapter  # loaded on demand

    return run_adapter([])
