"""``python -m emulator.camunda8``: serve the stand-in engine until SIGTERM or SIGINT.

Prints one line, ``camunda8 stand-in listening on http://HOST:PORT``, once bound (so a
parent started with ``--port 0`` learns the port); the REST API is under ``/v2``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from emulator.camunda8.api import Auth, CamundaApi
from emulator.http import HttpServer


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


async def serve(args: argparse.Namespace) -> None:
    auth = Auth(
        mode=args.auth,
        client_id=args.client_id,
        client_secret=args.client_secret,
        username=args.username,
        password=args.password,
        token_lifetime=args.token_lifetime,
    )
    api = CamundaApi(auth, check_answers=not args.no_answer_check)
    server = HttpServer(api.handle)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    host, port = await server.start(args.host, args.port)
    print(f"camunda8 stand-in listening on http://{host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level="WARNING", stream=sys.stderr)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
