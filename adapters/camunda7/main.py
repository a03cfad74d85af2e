"""``smq camunda7`` / ``python -m adapters.camunda7``: run the Camunda 7 adapter until SIGTERM.

One fetch loop for all topics on ``adapters.runtime`` (threads, SIGTERM: see there): on
SIGTERM it stops fetching (a pending long poll is waited for and what it returns unlocked),
keeps reporting results of held tasks for up to ``SMQ_CAMUNDA7_SHUTDOWN_SECONDS`` and exits
0 within max(that, poll timeout + request timeout).
"""

from __future__ import annotations

import argparse
import socket
import sys

import httpx
from pydantic import ValidationError

from adapters.camunda7.client import Camunda7Client, auth_headers
from adapters.camunda7.engine import Camunda7Engine
from adapters.camunda7.mapping import KEY_FIELD
from adapters.camunda7.settings import Camunda7Settings
from adapters.logs import configure
from adapters.runtime import AdapterRuntime, RuntimeOptions
from producer.settings import Settings, get_settings

GROUP = "smq-camunda7"


def runtime_options(adapter: Camunda7Settings) -> RuntimeOptions:
    return RuntimeOptions(
        engine="camunda7",
        group=GROUP,
        consumer=adapter.consumer_name or socket.gethostname(),
        result_stream=adapter.result_stream,
        id_prefix=adapter.job_id_prefix,
        key_field=KEY_FIELD,
        jobs_in_flight=adapter.tasks_in_flight,
        max_backlog=adapter.max_backlog,
        extend_every=adapter.lock_duration / 3,
        report_threads=adapter.report_threads,
        result_claim_seconds=adapter.result_claim_seconds,
        backoff_initial=adapter.backoff_initial,
        backoff_max=adapter.backoff_max,
        shutdown_seconds=adapter.shutdown_seconds,
        poll_bound=adapter.poll_timeout + adapter.request_timeout,
    )


def build(settings: Settings, adapter: Camunda7Settings, http: httpx.Client) -> AdapterRuntime:
    client = Camunda7Client(adapter.base_url, auth_headers(adapter), http, adapter.request_timeout)
    engine = Camunda7Engine(client, adapter)
    return AdapterRuntime(settings, engine, {"fetch": engine.fetch}, runtime_options(adapter))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="smq camunda7",
        description="Work on Camunda 7 / Operaton / CIB seven external tasks (topic "
        "aws-sagemaker by default) through the queue. Configured by SMQ_CAMUNDA7_* variables.",
    )
    parser.parse_args(argv)
    try:
        settings = get_settings()
        adapter_settings = Camunda7Settings()
    except ValidationError as exc:
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return 2
    configure(settings)
    with httpx.Client(limits=httpx.Limits(max_connections=32)) as http:
        return build(settings, adapter_settings, http).serve()


if __name__ == "__main__":
    sys.exit(main())
