"""A cheaper parse of ListObjectsV2 pages for the poller's S3 clients.

With 100,000 inferences pending, the prefix their outputs land in holds up to 100,000
objects, and the poller lists it about once a second to see new ones within a second: up to
100 pages of 1,000 objects a listing. botocore spends ~15 µs per listed object on a page: its
XML parse, a shape-driven walk of every field of every object, and S3's check for an error
inside a 200, which parses the whole page a second time. That was half the poller's CPU.

This ``before-parse`` handler takes each object's ``Key`` and ``Size`` (all the poller reads)
with one regular expression, and hands botocore the page without its ``<Contents>``
elements, so everything else — the envelope (IsTruncated, NextContinuationToken, KeyCount,
EncodingType, CommonPrefixes…), the 200-error check, URL-decoding of keys (after-call) and
every error path — is botocore's own. Anything that is not a plain 200 ``ListBucketResult``
(an error, another document, a ``<Contents>`` it cannot read) is left to botocore whole.

The objects come back as ``{"Key", "Size"}`` only: botocore's other per-object fields
(LastModified, ETag, StorageClass, Owner…) are not read. ``tests/unit/test_listing.py``
checks the result against botocore's over a matrix of pages.

``scan``, ``field`` and ``url_decoded`` also read the pages of the lean listing
(``s3list.py``), which skips botocore altogether.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote_plus

from botocore import handlers

EVENT_ALL = "before-parse.s3.*"
# botocore's check for an error inside a 200 (private: the test suite fails if it moves)
_HANDLE_200_ERROR = handlers._handle_200_error  # type: ignore[attr-defined]

_ENVELOPE = re.compile(rb"\A\s*(?:<\?xml[^>]*\?>\s*)?<ListBucketResult[\s>]")
_KEY = re.compile(rb"<Key>([^<]*)</Key>")
_SIZE = re.compile(rb"<Size>(\d+)</Size>")


def register(client: Any) -> None:
    """Parse this client's ListObjectsV2 pages the cheap way.

    S3's check for an error inside a 200 (botocore's ``_handle_200_error``, first on every
    S3 before-parse) would parse each whole page; it runs here after the objects are taken
    out, on what is left. Its verdict is the same: an ``<Error>`` page is left whole, and a
    page cut short stays cut short (only complete ``<Contents>`` elements are taken).
    """
    events = client.meta.events
    events.unregister(EVENT_ALL, _HANDLE_200_ERROR)
    events.register_first(EVENT_ALL, _before_parse, unique_id="smq-fast-listing")


def _before_parse(operation_model: Any, response_dict: dict[str, Any], **kwargs: Any) -> None:
    if operation_model.name == "ListObjectsV2":
        parse_page(response_dict, **kwargs)
    _HANDLE_200_ERROR(operation_model, response_dict, **kwargs)


def parse_page(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Move a page's objects into ``customized_response_dict`` (merged into the parsed
    response by botocore), leaving it the rest of the page to parse (see ``scan``)."""
    body = response_dict.get("body")
    if response_dict.get("status_code") != 200 or not isinstance(body, bytes):
        return
    if b"<Contents>" not in body:
        return
    scanned = scan(body)
    if scanned is None:
        return
    keys, sizes, envelope = scanned
    contents = [{"Key": k, "Size": int(size)} for k, size in zip(keys, sizes, strict=True)]
    customized_response_dict["Contents"] = contents
    response_dict["body"] = envelope


def scan(body: bytes) -> tuple[list[str], list[bytes], bytes] | None:
    """A ``ListBucketResult`` page's keys (XML-unescaped), their sizes, and the page without
    its objects; None for anything else, or objects laid out otherwise than S3 lays them out.

    S3 writes the objects one after another, each ``<Contents><Key>…</Key>…<Size>…</Size>…
    </Contents>``: a page laid out otherwise (counts that do not match) is not read here.
    Scans in C (find, count, one pattern each for Key and Size): ~1 ms a page, where a
    pattern per ``<Contents>`` element cost more than botocore's own XML parse.
    """
    if not _ENVELOPE.match(body):
        return None
    first = body.find(b"<Contents>")
    if first < 0:
        return [], [], body
    last = body.rfind(b"</Contents>") + len(b"</Contents>")
    span = body[first:last]
    n = span.count(b"<Contents>")
    raw = _KEY.findall(span)
    sizes = _SIZE.findall(span)
    if not (
        len(raw) == len(sizes) == n
        and span.count(b"<Contents><Key>") == n
        and span.count(b"</Contents><Contents>") == n - 1  # nothing else in between
    ):
        return None
    # The keys as one text, split at "<" (never in an element's text): each check and the
    # decoding once per page in C, not once per key in Python.
    joined = b"<".join(raw)
    if b"\r" in joined:
        return None  # XML parsers normalize line ends in text: leave that to botocore's
    try:
        keys = joined.decode("utf-8").split("<")
    except UnicodeDecodeError:
        return None
    if b"&" in joined:
        keys = [html.unescape(k) if "&" in k else k for k in keys]
    return keys, sizes, body[:first] + body[last:]


def field(envelope: bytes, name: str) -> str | None:
    """The text of a page's top-level element ``name`` (XML-unescaped), None when absent."""
    found = _fields.get(name)
    if found is None:
        found = _fields[name] = re.compile(rf"<{name}>([^<]*)</{name}>".encode())
    match = found.search(envelope)
    if match is None:
        return None
    text = match.group(1).decode("utf-8")
    return html.unescape(text) if "&" in text else text


def url_decoded(keys: list[str]) -> list[str]:
    """The keys of a listing asked for with ``encoding-type=url``, decoded as botocore does."""
    probe = "<".join(keys)  # one scan in C for the page (most keys need nothing)
    if "%" not in probe and "+" not in probe:
        return keys
    return [unquote_plus(k) if "%" in k or "+" in k else k for k in keys]


_fields: dict[str, re.Pattern[bytes]] = {}
