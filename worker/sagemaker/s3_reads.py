"""S3 reads (GetObject, HeadObject, ListObjectsV2) carried by the process's event loop.

The poller fetches every output that lands — 333 a second in B4 — and botocore's urllib3
exchange was the largest share of its CPU. botocore's ``before-send`` hook hands the signed
request to ``LoopTransport`` instead, so the client's serializer, signer, retries, checksum
validation and parser all stay botocore's: only the bytes travel another way, as they do for
the lean invoke path (``transport.py``: same wire bytes, same exceptions).

A body is read whole on the loop, so a GetObject answer longer than ``max_body`` is declined
before its body is read, and botocore sends the request again on its own session, whose body
streams (an output can be gigabytes; the poller reads at most ``SMQ_ASYNC_MAX_OUTPUT_BYTES``).
Writes (the worker's staging PutObject) stay on botocore's session: a body to stream out.
"""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from worker.sagemaker.transport import BodyTooLarge, LoopTransport

READS = ("GetObject", "HeadObject", "ListObjectsV2")


def register(client: Any, transport: LoopTransport, max_body: int) -> None:
    """Send this S3 client's reads on ``transport`` (where it covers the client's session)."""
    http_session = client._endpoint.http_session

    def before_send(request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse | None:
        if not transport.covers(http_session, request.url):
            return None
        # A HEAD's Content-Length is the object's, with no body to read.
        limit = max_body if event_name.endswith(".GetObject") else None
        try:
            return transport.send(request, http_session, limit)
        except BodyTooLarge:
            return None  # botocore's session sends it again and streams the body

    for operation in READS:
        client.meta.events.register(
            f"before-send.s3.{operation}", before_send, unique_id=f"smq-loop-{operation}"
        )
