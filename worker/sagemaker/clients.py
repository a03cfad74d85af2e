"""boto3 clients, one per (service, region, credentials, endpoint) per process.

Creating a client costs milliseconds and a new connection pool, so it never happens per job.
Clients are thread-safe; sessions are not, so each client is built from its own session under
a lock. botocore's retries are off for SageMaker Runtime: a retry inside one call can invoke
the model twice, and the task layer decides what is worth retrying. S3 reads are idempotent,
so S3 clients keep botocore's standard retries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import boto3
from botocore.config import Config

from producer.contract import AuthenticationType, AwsAccess
from worker.poller import listing
from worker.sagemaker.lean import LeanRuntime
from worker.sagemaker.transport import shared_transport
from worker.secrets import digest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from worker.settings import WorkerSettings

Service = Literal["sagemaker-runtime", "s3"]


class ClientKey(NamedTuple):
    service: Service
    read_timeout: float | None  # None: the settings' timeout
    region: str
    endpoint_url: str | None
    access_key: str | None
    # Digests, so the cache's keys (visible in a debugger or a repr) never hold the secret.
    secret_digest: str | None
    session_token_digest: str | None


class ClientCache:
    """A bounded LRU of clients; bounded because credentials may differ per tenant."""

    def __init__(self, settings: WorkerSettings, max_clients: int = 64) -> None:
        common: dict[str, Any] = {
            "connect_timeout": settings.connect_timeout,
            "read_timeout": settings.read_timeout,
            # One pooled connection per call a process can have in flight, so none waits
            # for a socket.
            "max_pool_connections": max(
                10,
                settings.worker_concurrency * settings.batch_size + 4,
                settings.poller_threads + 4,
            ),
            "tcp_keepalive": True,
        }
        self._configs: dict[Service, Config] = {
            # parameter_validation off: the job contract validated every field already,
            # and botocore's validator is a measurable share of a call's client-side cost.
            "sagemaker-runtime": Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                parameter_validation=False,
                **common,
            ),
            # Response checksums as botocore validates them when asked: S3 sends none
            # unless a GetObject asks (x-amz-checksum-mode), and TLS guards the transfer.
            # The poller's lean GetObject sends exactly the client's request (s3get.py).
            "s3": Config(
                retries={"total_max_attempts": 3, "mode": "standard"},
                response_checksum_validation="when_required",
                **common,
            ),
        }
        self._clients: OrderedDict[ClientKey, Any] = OrderedDict()
        self._max = max_clients
        self._lock = threading.Lock()
        self._lean = settings.lean_invoke
        self.transport = shared_transport() if settings.invoke_transport == "event-loop" else None

    def runtime(self, access: AwsAccess, read_timeout: float | None = None) -> LeanRuntime:
        """A runtime client (its two invoke calls by the lean path, unless
        ``SMQ_LEAN_INVOKE=false``); ``read_timeout`` (a job's ``jobTimeout``) shortens the
        default."""
        runtime: LeanRuntime = self._get(
            "sagemaker-runtime", access, access.endpoint_url, read_timeout
        )
        return runtime

    def s3(self, access: AwsAccess) -> S3Client:
        """S3 with the job's credentials; its endpoint is boto3's own (``AWS_ENDPOINT_URL_S3``)."""
        client: S3Client = self._get("s3", access, None, None)
        return client

    def _get(
        self,
        service: Service,
        access: AwsAccess,
        endpoint_url: str | None,
        read_timeout: float | None,
    ) -> Any:
        auth = access.auth
        static = auth is not None and auth.type is AuthenticationType.CREDENTIALS
        key_id = auth.access_key if static and auth else None
        secret = auth.secret_key if static and auth else None
        token = auth.session_token if static and auth else None
        key = ClientKey(
            service,
            read_timeout,
            access.region or "",
            endpoint_url,
            key_id,
            digest(secret) if secret else None,
            digest(token) if token else None,
        )
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = boto3.session.Session(
                    aws_access_key_id=key_id,
                    aws_secret_access_key=secret,
                    aws_session_token=token,
                    region_name=key.region,
                )
                if service == "s3":
                    # Keep timestamps as text: we never read them, and parsing each object's
                    # LastModified is most of the CPU a 1,000-key listing costs boto3 (the
                    # AWS CLI sets the same parser default for its raw output).
                    factory = session._session.get_component("response_parser_factory")
                    factory.set_parser_defaults(timestamp_parser=str)
                config = self._configs[service]
                if read_timeout is not None:
                    config = config.merge(Config(read_timeout=read_timeout))
                client = session.client(service, endpoint_url=endpoint_url, config=config)
                if service == "s3":
                    listing.register(client)  # listings parsed for Key and Size only
                if service == "sagemaker-runtime":
                    client = LeanRuntime(client, enabled=self._lean, transport=self.transport)
                self._clients[key] = client
                if len(self._clients) > self._max:
                    self._clients.popitem(last=False)
            else:
                self._clients.move_to_end(key)
            return client

    def __len__(self) -> int:
        return len(self._clients)
