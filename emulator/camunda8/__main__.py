"""``python -m emulator.camunda8``: serve the stand-in engine until SIGTERM or SIGINT.

Prints one line, ``camunda8 stand-in listening on http://HOST:PORT``, once bound (so a
parent started with ``--port 0`` learns the port); the REST API is under ``/v2``.
"""

from __future__ import annotations

import argparse
import sys

from emulator.camunda8.api import Auth, CamundaApi
from emulator.http import Handler
from emulator.standin import run_standin


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator.camunda8", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088, help="0 picks a free port")
    parser.add_argument("--auth", choices=["none", "oauth", "basic"], default="none")
    parser.add_argument("--client-id", default="smq")
    parser.add_argument("--client-secret", default="smq-secret")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    parser.add_argument(
        "--no-answer-check",
        action="store_true",
        help="do not validate our own answers against the schemas (requests always are)",
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> Handler:
    auth = Auth(
        mode=args.auth,
        client_id=args.client_id,
        client_secret=args.client_secret,
        username=args.username,
        password=args.password,
        token_lifetime=args.token_lifetime,
    )
    return CamundaApi(auth, check_answers=not args.no_answer_check).handle


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_standin("camunda8 stand-in", args.host, args.port, lambda: build(args))


if __name__ == "__main__":
    sys.exit(main())
