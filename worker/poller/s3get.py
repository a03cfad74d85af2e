"""The poller's GetObject without botocore's client pipeline: the client's own request, re-signed.

At 100,000 pending inferences the poller fetches ~333 outputs a second, and botocore's client
around each GetObject (serializer, dozens of event hooks, the signer's lookup, the parser)
cost 1.33 ms of CPU where the same request signed and sent directly costs 0.59 ms (one
thread, the emulator). That CPU is what stretched the poller's passes, and so detection.

How it stays the client's request: the first GetObject of each bucket goes through the
client, and the request it prepared — endpoint, addressing style, User-Agent, payload hash —
is kept as that bucket's template. Later ones take the template's URL up to the key, the key
quoted as botocore's serializer quotes it, the template's headers and a fresh invocation id;
botocore's ``S3SigV4Auth`` signs them with the client's credentials (refreshed as the client
would) and region, and the client's own HTTP session sends them (proxies, TLS, timeouts,
pool). ``tests/functional/test_s3get.py`` holds the two requests equal, signature included,
for a fixed clock.

What stays with the client: every answer but a 200 (it asks again, so retries, redirects and
error parsing are its own), a body that may be larger than the caller reads (this reads
whole), and any request it does not reproduce: other headers than those below (a checksum
mode, an S3 Express session, SSE-C…) or another signature than SigV4 in a header.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.exceptions import BotoCoreError
from botocore.utils import percent_encode

# Headers the template keeps as they are, and those each request gets anew (signing, retries).
_KEPT = frozenset({"user-agent", "x-amz-content-sha256", "amz-sdk-request"})
_RENEWED = frozenset({"x-amz-date", "authorization", "x-amz-security-token"})
_INVOCATION = "amz-sdk-invocation-id"
_SIGV4 = "AWS4-HMAC-SHA256 Credential="


@dataclass(frozen=True)
class Template:
    url_prefix: str  # the request's URL up to what differs: "/" and the key, "&" and the query
    headers: tuple[tuple[str, str], ...]  # before the signature
    after: tuple[tuple[str, str], ...]  # after it (unsigned: the retry headers)
    region: str
    signing_name: str


@dataclass(frozen=True)
class Got:
    body: bytes
    content_type: str | None
    size: int


class Templates:
    """Per client and bucket, the template of one S3 operation's requests: learned from the
    client's first request, or None when the lean path cannot reproduce it (then the client
    makes every request of that bucket)."""

    def __init__(self, operation: str) -> None:
        self._operation = operation
        self._known: weakref.WeakKeyDictionary[Any, dict[str, Template | None]] = (
            weakref.WeakKeyDictionary()
        )
        self._capture = threading.local()

    def knows(self, s3: Any, bucket: str) -> bool:
        return bucket in self._known.get(s3, {})

    def get(self, s3: Any, bucket: str) -> Template | None:
        return self._known.get(s3, {}).get(bucket)

    def learn(self, s3: Any, bucket: str, tail: str, call: Any) -> Any:
        """``call()`` (the client's request, its URL ending in ``tail``) with the request kept
        as the bucket's template, or None kept when it cannot be reproduced."""
        capture_first(s3, self._operation, self._capture)
        captured: list[AWSPreparedRequest] = []
        self._capture.requests = captured
        try:
            return call()
        finally:
            self._capture.requests = None
            if captured:
                self._known.setdefault(s3, {})[bucket] = template_of(captured[0], tail)


class LeanGet:
    """Templates per client and bucket (``template``); ``get`` with one, else the client."""

    def __init__(self) -> None:
        self._templates = Templates("GetObject")

    def knows(self, s3: Any, bucket: str) -> bool:
        return self._templates.knows(s3, bucket)

    def template(self, s3: Any, bucket: str) -> Template | None:
        return self._templates.get(s3, bucket)

    def learn(self, s3: Any, bucket: str, key: str, call: Any) -> Any:
        """``call()`` (the client's GetObject of ``bucket``/``key``), learning the bucket's
        template from it."""
        return self._templates.learn(s3, bucket, "/" + percent_encode(key, safe="/~"), call)

    def get(self, s3: Any, template: Template, key: str) -> Got | None:
        """The object when S3 answers 200; None when the client must ask (any other answer,
        or a transport error: the client's retries decide)."""
        try:
            response = s3._endpoint.http_session.send(self.request(s3, template, key))
        except BotoCoreError:  # the client asks again: its retries and errors are the ones
            return None
        if response.status_code != 200:
            return None
        content_type = response.headers.get("content-type")
        return Got(response.content, content_type, int(response.headers.get("content-length", 0)))

    def request(self, s3: Any, template: Template, key: str) -> AWSPreparedRequest:
        return signed(s3, template, f"{template.url_prefix}/{percent_encode(key, safe='/~')}")


def signed(s3: Any, template: Template, url: str) -> AWSPreparedRequest:
    """A GET of ``url`` with the template's headers, signed now with the client's credentials
    (refreshed as the client would) for the template's region, with a fresh invocation id."""
    request = AWSRequest(method="GET", url=url, headers=dict(template.headers))
    request.context["client_config"] = s3.meta.config
    credentials = s3._request_signer._credentials.get_frozen_credentials()
    S3SigV4Auth(credentials, template.signing_name, template.region).add_auth(request)
    request.headers[_INVOCATION] = str(uuid.uuid4())
    for name, value in template.after:
        request.headers[name] = value
    return request.prepare()


def capture_first(s3: Any, operation: str, capture: threading.local) -> None:
    """Keep the first ``operation`` request this thread sends while ``capture.requests`` is
    a list (the learning call)."""

    def keep(request: AWSPreparedRequest, **_: Any) -> None:
        requests = getattr(capture, "requests", None)
        if requests is not None and not requests:
            requests.append(request)

    # One handler per client and capture (a second register with the same id is ignored).
    unique_id = f"smq-lean-{operation}-learn-{id(capture)}"
    s3.meta.events.register(f"before-send.s3.{operation}", keep, unique_id=unique_id)


def template_of(request: AWSPreparedRequest, tail: str) -> Template | None:
    """The template of a GET whose URL ends in ``tail`` (what differs between requests), or
    None when its headers or signature are not ones the lean path reproduces."""
    if request.method != "GET" or not request.url.endswith(tail) or request.body:
        return None
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    names = {k.lower() for k in headers}
    if not names <= _KEPT | _RENEWED | {_INVOCATION}:
        return None
    auth = headers.get("Authorization", "")
    if not auth.startswith(_SIGV4):
        return None
    try:
        _, _, region, signing_name, _ = auth[len(_SIGV4) :].split(",")[0].split("/")
    except ValueError:
        return None
    before = tuple((k, v) for k, v in headers.items() if k.lower() in _KEPT - {"amz-sdk-request"})
    after = tuple((k, v) for k, v in headers.items() if k.lower() == "amz-sdk-request")
    return Template(request.url[: -len(tail)], before, after, region, signing_name)
