"""``smq exporter``: the queue-level Prometheus gauges, served once per deployment."""

from __future__ import annotations

import argparse
import signal
import threading

from cli.commands import Commands
from cli.config import load_settings
from cli.errors import CliError, Exit

ORDER = 82


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "exporter",
        help="serve the queue-level Prometheus gauges on SMQ_METRICS_PORT (one per Redis)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from producer.exporter import serve
    from worker.logs import configure  # the same JSON log lines as workers and pollers

    settings = load_settings()
    if settings.metrics_port is None:
        raise CliError("set SMQ_METRICS_PORT to the port to serve /metrics on", Exit.INVALID)
    configure(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    serve(settings, settings.metrics_port, stop)
    return Exit.OK
