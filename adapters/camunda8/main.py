"""``smq camunda`` / ``python -m adapters.camunda8``: run the Camunda 8 adapter until SIGTERM.

One activation loop per job type on ``adapters.runtime`` (threads, SIGTERM: see there):
on SIGTERM it stops activating, keeps reporting results of held jobs for up to
``SMQ_CAMUNDA_SHUTDOWN_SECONDS`` and exits 0 within max(that, poll + request timeout).
"""

from __future__ import annotations

import argparse
import functools
import socket
import sys

import httpx
from pydantic import ValidationError

from adapters.camunda8.auth import credentials
from adapters.camunda8.client import Camunda8Client
from adapters.camunda8.engine import Camunda8Engine
from adapters.camunda8.settings import Camunda8Settings, CamundaConnection
from adapters.logs import configure
from adapters.runtime import AdapterRuntime, RuntimeOptions
from producer.settings import Settings, get_settings

GROUP = "smq-camunda8"


def runtime_options(adapter: Camunda8Settings) -> RuntimeOptions:
    return RuntimeOptions(
        engine="camunda8",
        group=GROUP,
        consumer=adapter.consumer_name or socket.gethostname(),
        result_stream=adapter.result_stream,
        id_prefix=adapter.job_id_prefix,
        key_field="jobKey",
        jobs_in_flight=adapter.jobs_in_flight,
        max_backlog=adapter.max_backlog,
        extend_every=adapter.job_timeout / 3,
        report_threads=adapter.report_threads,
        result_claim_seconds=adapter.result_claim_seconds,
        backoff_initial=adapter.backoff_initial,
        backoff_max=adapter.backoff_max,
        shutdown_seconds=adapter.shutdown_seconds,
        poll_bound=adapter.poll_timeout + adapter.request_timeout,
    )


def build(
    settings: Settings, adapter: Camunda8Settings, connection: CamundaConnection, http: httpx.Client
) -> AdapterRuntime:
    client = Camunda8Client(
        connection.base_url, credentials(connection, http), http, adapter.request_timeout
    )
    engine = Camunda8Engine(client, adapter, connection)
    activations = {
        f"activate:{job_type}": functools.partial(engine.activate, job_type)
        for job_type in adapter.job_types
    }
    return AdapterRuntime(settings, engine, activations, runtime_options(adapter))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="smq camunda",
        description="Work on Camunda 8 jobs (task type io.camunda:aws-sagemaker:1 by default) "
        "through the queue. Configured by CAMUNDA_* and SMQ_CAMUNDA_* variables.",
    )
    parser.parse_args(argv)
    try:
        settings = get_settings()
        adapter_settings = Camunda8Settings()
        connection = CamundaConnection()
    except ValidationError as exc:
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return 2
    configure(settings)
    with httpx.Client(limits=httpx.Limits(max_connections=32)) as http:
        return build(settings, adapter_settings, connection, http).serve()


if __name__ == "__main__":
    sys.exit(main())
