"""smq ingress: run the dispatcher of the ingress stream until SIGTERM / Ctrl-C.

Exit codes: 0 stopped, 4 Redis unreachable at start.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters import logs
from adapters.ingress.dispatcher import Dispatcher
from adapters.ingress.settings import get_ingress_settings
from producer.connection import connect

EXIT_OK, EXIT_UNREACHABLE = 0, 4


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="smq ingress",
        description="Validate and submit the jobs XADDed to SMQ_INGRESS_STREAM "
        "(field SMQ_INGRESS_FIELD, one JSON job per entry).",
    ).parse_args(argv)
    settings = get_ingress_settings()
    logs.configure(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        Dispatcher(connect(settings), settings).run(stop)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        print(f"error: cannot reach Redis at SMQ_REDIS_URL: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    return EXIT_OK
