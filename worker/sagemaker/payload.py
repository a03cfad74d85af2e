"""Bodies on the wire: job body → request bytes, response bytes → a JSON-able result body.

Camunda parses a response as JSON only for exactly ``application/json``; we parse every
JSON-like media type (parameters such as ``; charset=utf-8`` ignored, ``+json`` suffixes,
JSON Lines as a list), keep other text as a string, and return bytes that are not UTF-8
base64-encoded under a marker so a result is always valid JSON.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from producer.errors import InputError, ResponseError

BINARY_MARKER = "base64"  # {"encoding": "base64", "data": "..."}
_JSON_LINES = frozenset(
    {
        "application/jsonlines",
        "application/x-jsonlines",
        "application/jsonl",
        "application/x-ndjson",
        "application/ndjson",
    }
)
_JSON = frozenset({"application/json", "text/json", "application/x-json"})


def media_type(content_type: str | None) -> str:
    """``Application/JSON; charset=utf-8`` → ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json_lines(content_type: str | None) -> bool:
    return media_type(content_type) in _JSON_LINES


def is_json(content_type: str | None) -> bool:
    mt = media_type(content_type)
    return mt in _JSON or mt.endswith("+json")


def encode_body(body: Any, content_type: str) -> bytes:
    """The request bytes for ``body`` sent as ``content_type``."""
    if is_json_lines(content_type) and isinstance(body, list):
        return "".join(_dumps(item) + "\n" for item in body).encode()
    if is_json(content_type) or is_json_lines(content_type):
        return _dumps(body).encode()
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, dict) and body.get("encoding") == BINARY_MARKER:
        return _decode_marker(body)
    # An object or number for a non-JSON type: JSON is the only faithful text for it.
    return _dumps(body).encode()


def decode_body(raw: bytes, content_type: str | None) -> Any:
    """The result body for response bytes of ``content_type``."""
    if is_json(content_type) or is_json_lines(content_type):
        if not raw.strip():
            raise ResponseError(
                f"the endpoint returned an empty body with content type {content_type!r}",
                code="EmptyResponseBody",
            )
        try:
            text = raw.decode("utf-8-sig")
            if is_json_lines(content_type):
                return [json.loads(line) for line in text.splitlines() if line.strip()]
            return json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ResponseError(
                f"the endpoint's {media_type(content_type)} body is not valid JSON: {exc}",
                code="InvalidResponseBody",
            ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"encoding": BINARY_MARKER, "data": base64.b64encode(raw).decode("ascii")}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _decode_marker(body: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(body.get("data", ""), validate=True)
    except (ValueError, TypeError) as exc:
        raise InputError(f"variables.input.body.data: not valid base64 ({exc})") from None
