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
    parser.add_argument(
        "--s3-endpoint-url",
        help="S3 (e.g. a moto server) for InvokeEndpointAsync; without it async answers 400",
    )
    parser.add_argument("--async-bucket", default=DEFAULT_ASYNC_BUCKET)
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    emulator = await Emulator.create(args.s3_endpoint_url, args.async_bucket)
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
