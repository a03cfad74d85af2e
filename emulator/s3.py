"""Where async inference inputs are read and results written: the ObjectStore interface.

Two stores implement it: `RemoteStore` (below), a boto3 client for an external S3 such as a
moto server (``--s3-endpoint-url``), and `s3store.BuiltinStore`, the emulator's own in-memory
S3 (``--s3-builtin``), which writes without an HTTP round trip.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an ``s3://bucket/key`` URI; ValueError when it is not one."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        raise ValueError(f"an S3 URI needs a bucket and a key: {uri!r}")
    return bucket, key


class ObjectUnreadable(Exception):
    """An object cannot be read (missing key or bucket); the message names the S3 error code."""


class ObjectStore(Protocol):
    async def ensure_bucket(self, bucket: str) -> None:
        """Create the bucket unless it exists."""

    async def get(self, uri: str) -> bytes:
        """The object's body; ObjectUnreadable when S3 refuses to give it."""

    async def put(self, uri: str, body: bytes, content_type: str) -> None: ...

    def close(self) -> None: ...


class RemoteStore:
    """An external S3 through boto3.

    boto3 blocks, so each call runs in a worker thread (asyncio.to_thread) and the event loop
    keeps serving invocations meanwhile. One client serves all threads: boto3 clients are
    thread-safe, and one client means one connection pool.
    """

    def __init__(self, client: S3Client, connect_timeout_s: float = 10.0) -> None:
        self._client = client
        self._connect_timeout_s = connect_timeout_s

    @classmethod
    def connect(cls, endpoint_url: str, region: str = "us-east-1") -> RemoteStore:
        """A client for a local S3 (moto, MinIO): real credentials when the environment has
        some (MinIO checks them), dummy ones otherwise (moto accepts anything)."""
        session = boto3.session.Session(region_name=region)
        dummy = None if session.get_credentials() else "emulator"
        client = session.client(
            "s3",
            endpoint_url=endpoint_url,
            # Virtual-host addressing would put the bucket in the host name of a local URL.
            config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
            aws_access_key_id=dummy,
            aws_secret_access_key=dummy,
        )
        return cls(client)

    async def ensure_bucket(self, bucket: str) -> None:
        """Create the bucket if missing, waiting for S3 to come up (it may start after us)."""
        deadline = time.monotonic() + self._connect_timeout_s
        while True:
            try:
                await asyncio.to_thread(self._create_bucket, bucket)
                return
            except EndpointConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    def _create_bucket(self, bucket: str) -> None:
        try:
            self._client.create_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise

    async def get(self, uri: str) -> bytes:
        bucket, key = parse_s3_uri(uri)
        try:
            return await asyncio.to_thread(self._get, bucket, key)
        except ClientError as exc:
            raise ObjectUnreadable(str(exc)) from exc

    def _get(self, bucket: str, key: str) -> bytes:
        response = self._client.get_object(Bucket=bucket, Key=key)
        with response["Body"] as body:
            data: bytes = body.read()
        return data

    async def put(self, uri: str, body: bytes, content_type: str) -> None:
        bucket, key = parse_s3_uri(uri)
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
        )

    def close(self) -> None:
        self._client.close()
