"""``smq health``: a liveness/readiness probe on the heartbeats workers and pollers write."""

from __future__ import annotations

import argparse
import socket
import sys

from cli.commands import Commands
from cli.config import load_settings
from cli.errors import Exit
from producer.keys import HEARTBEAT_MAX_AGE, Role

ORDER = 80


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "health",
        help="probe: is a worker or poller alive (exit 0), or not (1 with the reason; 4 Redis)",
        description="Exit 0 with 'ok: …' when a heartbeat of the role is fresh; 1 with "
        "'unhealthy: <reason>' when none is (or, for pollers, none is alive while "
        "asynchronous inferences are pending); 4 when Redis is unreachable.",
    )
    p.add_argument("--role", choices=[r.value for r in Role], required=True)
    p.add_argument("--this-host", action="store_true", help="only heartbeats from this host count")
    p.add_argument(
        "--max-age",
        type=float,
        default=HEARTBEAT_MAX_AGE,
        help=f"seconds a heartbeat stays valid (default {HEARTBEAT_MAX_AGE:g})",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from producer.health import check, probe_client

    settings = load_settings()
    host = socket.gethostname() if args.this_host else None
    health = check(probe_client(settings), Role(args.role), host=host, max_age=args.max_age)
    if health.healthy:
        print(health.reason)
        return Exit.OK
    print(f"unhealthy: {health.reason}", file=sys.stderr)
    return Exit.FAILED
