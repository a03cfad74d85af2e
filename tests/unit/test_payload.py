"""Request and response bodies: JSON-like types parsed, text kept, binary marked."""

from __future__ import annotations

import base64

import pytest

from producer.errors import ResponseError
from worker.sagemaker.payload import decode_body, encode_body, is_json


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON;charset=UTF-8", True),
        ("application/vnd.api+json", True),
        ("application/problem+json; charset=utf-8", True),
        ("text/csv", False),
        ("text/plain", False),
        ("application/jsonlines", False),
        (None, False),
    ],
)
def test_json_media_types(content_type: str | None, expected: bool) -> None:
    assert is_json(content_type) is expected


@pytest.mark.parametrize("body", [{"a": [1, 2]}, [1, "x"], 3.5, "text", None, True])
def test_json_bodies_are_serialized(body: object) -> None:
    import json

    assert json.loads(encode_body(body, "application/json")) == body


def test_string_body_for_text_types_is_sent_unchanged() -> None:
    assert encode_body("1,2,3\n4,5,6", "text/csv") == b"1,2,3\n4,5,6"
    assert encode_body("héllo", "text/plain; charset=utf-8") == "héllo".encode()


def test_json_lines_request_from_a_list() -> None:
    assert encode_body([{"a": 1}, {"b": 2}], "application/jsonlines") == b'{"a":1}\n{"b":2}\n'


def test_binary_marker_body_is_sent_as_bytes() -> None:
    raw = bytes([0, 255, 10])
    marker = {"encoding": "base64", "data": base64.b64encode(raw).decode()}
    assert encode_body(marker, "image/png") == raw


def test_json_response_with_charset_is_parsed() -> None:
    assert decode_body(b'{"score": 0.9}', "application/json; charset=utf-8") == {"score": 0.9}


def test_plus_json_response_is_parsed() -> None:
    assert decode_body(b"[1,2]", "application/vnd.model+json") == [1, 2]


def test_json_lines_response_is_a_list() -> None:
    raw = b'{"label": "a"}\n\n{"label": "b"}\n'
    assert decode_body(raw, "application/jsonlines") == [{"label": "a"}, {"label": "b"}]


def test_text_response_is_kept_as_text() -> None:
    assert decode_body(b"0.93,0.07\n", "text/csv") == "0.93,0.07\n"


def test_non_utf8_bytes_come_back_base64_with_a_marker() -> None:
    raw = b"\x89PNG\r\n\x1a\n\xff"
    assert decode_body(raw, "image/png") == {
        "encoding": "base64",
        "data": base64.b64encode(raw).decode(),
    }


def test_empty_json_body_is_a_clear_error() -> None:
    with pytest.raises(ResponseError) as info:
        decode_body(b"  ", "application/json")
    assert info.value.code == "EmptyResponseBody"


def test_invalid_json_body_is_a_clear_error() -> None:
    with pytest.raises(ResponseError) as info:
        decode_body(b"{not json", "application/json")
    assert info.value.code == "InvalidResponseBody"
