"""``python -m emulator``: serve the SageMaker Runtime emulator until SIGTERM or SIGINT.

Prints exactly one line, ``emulator listening on http://HOST:PORT``, once the socket is bound,
so a parent process started with ``--port 0`` can read the port it got.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from emulator.app import DEFAULT_ASYNC_BUCKET, Emulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    # The built-in S3 API is served either way; these choose where async results go.
    # Without either, InvokeEndpointAsync answers 400.
    s3 = parser.add_mutually_exclusive_group()
    s3.add_argument(
        "--s3-builtin",
        action="store_true",
        help="write async results into the built-in in-memory S3 (served on this port)",
    )
    s3.add_argument(
        "--s3-endpoint-url",
        help="write async results into an external S3, e.g. a moto server",
    )
    parser.add_argument("--async-bucket", default=DEFAULT_ASYNC_BUCKET)
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    emulator = await Emulator.create(
        args.s3_endpoint_url, args.async_bucket, s3_builtin=args.s3_builtin
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    host, port = await emulator.start(args.host, args.port)
    print(f"emulator listening on http://{host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
