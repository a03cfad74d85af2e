"""``python -m emulator.camunda7``: serve the stand-in engine until SIGTERM or SIGINT.

Prints one line, ``camunda7 stand-in listening on http://HOST:PORT``, once bound (so a
parent started with ``--port 0`` learns the port); the REST API is under ``/engine-rest``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from emulator.camunda7.api import Auth, Camunda7Api
from emulator.http import HttpServer


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


async def serve(args: argparse.Namespace) -> None:
    auth = Auth(args.auth, args.username, args.password, args.token)
    api = Camunda7Api(auth, check_answers=not args.no_answer_check)
    server = HttpServer(api.handle)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    host, port = await server.start(args.host, args.port)
    print(f"camunda7 stand-in listening on http://{host}:{port}", flush=True)
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
