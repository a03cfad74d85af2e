"""boto3 SageMaker Runtime clients, one per (region, credentials, endpoint) per process.

Creating a client costs milliseconds and a new connection pool, so it never happens per job.
Clients are thread-safe; sessions are not, so each client is built from its own session under
a lock. botocore's retries are off: a retry inside one call can invoke the model twice, and
the task layer decides what is worth retrying.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

import boto3
from botocore.config import Config

from producer.contract import AuthenticationType, Variables

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

    from producer.settings import Settings


class ClientKey(NamedTuple):
    region: str
    endpoint_url: str | None
    access_key: str | None
    # A digest, so the cache's keys (visible in a debugger or a repr) never hold the secret.
    secret_digest: str | None
    session_token_digest: str | None


def _digest(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


class ClientCache:
    """A bounded LRU of clients; bounded because credentials may differ per tenant."""

    def __init__(self, settings: Settings, max_clients: int = 64) -> None:
        self._config = Config(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
            # One pooled connection per worker thread, so no call waits for a socket.
            max_pool_connections=max(10, settings.worker_concurrency + 4),
            tcp_keepalive=True,
        )
        self._clients: OrderedDict[ClientKey, SageMakerRuntimeClient] = OrderedDict()
        self._max = max_clients
        self._lock = threading.Lock()

    def for_job(self, variables: Variables) -> SageMakerRuntimeClient:
        auth = variables.auth
        static = auth is not None and auth.type is AuthenticationType.CREDENTIALS
        access = auth.access_key if static and auth else None
        secret = auth.secret_key if static and auth else None
        token = auth.session_token if static and auth else None
        key = ClientKey(
            variables.region or "", variables.endpoint_url, access, _digest(secret), _digest(token)
        )
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = boto3.session.Session(
                    aws_access_key_id=access,
                    aws_secret_access_key=secret,
                    aws_session_token=token,
                    region_name=key.region,
                )
                client = session.client(
                    "sagemaker-runtime", endpoint_url=key.endpoint_url, config=self._config
                )
                self._clients[key] = client
                if len(self._clients) > self._max:
                    self._clients.popitem(last=False)
            else:
                self._clients.move_to_end(key)
            return client

    def __len__(self) -> int:
        return len(self._clients)
