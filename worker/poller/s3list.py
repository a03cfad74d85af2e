"""The poller's ListObjectsV2 without botocore's client pipeline: the client's request, re-signed.

With 100,000 inferences pending the poller lists their output prefix about once a second:
100 pages of 1,000 objects. Around each page botocore's client costs what it costs around a
GetObject (serializer, event hooks, signer lookup, parser: 1.33 ms of CPU against 0.59 ms
for the same request signed and sent directly, ``s3get.py``), and after the call it
URL-decodes every key one by one (0.3 ms a page).

It is ``s3get.py``'s approach for the other read the poller makes: the first ListObjectsV2 of
each bucket goes through the client and its request becomes the bucket's template. Later ones
take the template's URL up to the query the client serialized, and the query as botocore's
serializer writes it (the parameters in the order given, then the ``encoding-type=url`` it
adds on its own, through ``percent_encode_sequence``); ``S3SigV4Auth`` signs them.
``tests/functional/test_s3list.py`` holds the two requests equal, signature included, for a
fixed clock, and the two readings of a page equal over ``tests/unit/test_listing.py``'s pages.

What stays with the client: any answer but a 200 ``ListBucketResult`` laid out as S3 lays
it out (errors, retries, redirects, an error inside a 200, a page ``listing.scan`` cannot
read), transport errors, and requests it does not reproduce (see ``s3get.template_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import BotoCoreError
from botocore.utils import percent_encode_sequence

from worker.poller import listing
from worker.poller.s3get import Template, Templates, signed

# The API parameters the poller lists with, and the one botocore adds on its own (it then
# URL-decodes the keys of the answer; so does ``page``).
_AUTO = {"EncodingType": "url"}


@dataclass(frozen=True)
class Page:
    keys: list[str]  # in key order
    sizes: list[int]  # each key's
    token: str | None  # where the next page starts; None on the last page


class LeanList:
    """Templates per client and bucket (``template``); ``page`` with one, else the client."""

    def __init__(self) -> None:
        self._templates = Templates("ListObjectsV2")
        self._names: dict[str, str] | None = None  # parameter → its name in the query

    def knows(self, s3: Any, bucket: str) -> bool:
        return self._templates.knows(s3, bucket)

    def template(self, s3: Any, bucket: str) -> Template | None:
        return self._templates.get(s3, bucket)

    def learn(self, s3: Any, params: dict[str, Any], call: Any) -> Any:
        """``call()`` (the client's ListObjectsV2 with ``params``), learning the bucket's
        template from it."""
        return self._templates.learn(s3, params["Bucket"], "&" + self._query(s3, params), call)

    def page(self, s3: Any, template: Template, params: dict[str, Any]) -> Page | None:
        """One page when S3 answers it with a 200 ``ListBucketResult`` read here; None when
        the client must ask (any other answer, a transport error, a page laid out otherwise)."""
        try:
            response = s3._endpoint.http_session.send(self.request(s3, template, params))
        except BotoCoreError:
            return None
        if response.status_code != 200:
            return None
        return read(response.content)

    def request(self, s3: Any, template: Template, params: dict[str, Any]) -> AWSPreparedRequest:
        return signed(s3, template, f"{template.url_prefix}&{self._query(s3, params)}")

    def _query(self, s3: Any, params: dict[str, Any]) -> str:
        """The query as botocore's serializer writes it: the parameters in the order given,
        then the encoding it adds on its own."""
        if self._names is None:
            shape = s3.meta.service_model.operation_model("ListObjectsV2").input_shape
            self._names = {
                name: member.serialization["name"]
                for name, member in shape.members.items()
                if member.serialization.get("location") == "querystring"
            }
        given = {**params, **{k: v for k, v in _AUTO.items() if k not in params}}
        query = {self._names[k]: str(v) for k, v in given.items() if k in self._names}
        return str(percent_encode_sequence(query))


def read(body: bytes) -> Page | None:
    """A page's objects and continuation, read as botocore reads them for the poller: keys
    XML-unescaped, then URL-decoded (the encoding botocore asks for on its own)."""
    if not body.rstrip().endswith(b"</ListBucketResult>"):
        return None  # cut short: the client's parse decides what that is
    scanned = listing.scan(body)
    if scanned is None:
        return None
    keys, sizes, envelope = scanned
    if listing.field(envelope, "EncodingType") != "url":
        return None  # S3 did not encode the keys as asked: botocore's to make sense of
    truncated = listing.field(envelope, "IsTruncated")
    if truncated not in ("true", "false"):
        return None
    token = listing.field(envelope, "NextContinuationToken") if truncated == "true" else None
    if truncated == "true" and not token:
        return None
    return Page(listing.url_decoded(keys), list(map(int, sizes)), token)
