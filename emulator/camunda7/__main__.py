"""``python -m emulator.camunda7``: serve the stand-in engine until SIGTERM or SIGINT.

Prints one line, ``camunda7 stand-in listening on http://HOST:PORT``, once bound (so a
parent started with ``--port 0`` learns the port); the REST API is under ``/engine-rest``.
"""

from __future__ import annotations

import argparse
import sys

from emulator.camunda7.api import Auth, Camunda7Api
from emulator.http import Handler
from emulator.standin import run_standin


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator.camunda7", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8087, help="0 picks a free port")
    parser.add_argument("--auth", choices=["none", "basic", "bearer"], default="none")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--token", default="smq-token")
    parser.add_argument(
        "--no-answer-check",
        action="store_true",
        help="do not validate our own answers against the DTOs (requests always are)",
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> Handler:
    auth = Auth(args.auth, args.username, args.password, args.token)
    return Camunda7Api(auth, check_answers=not args.no_answer_check).handle


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_standin("camunda7 stand-in", args.host, args.port, lambda: build(args))


if __name__ == "__main__":
    sys.exit(main())
