"""``smq feel``'s logic: exit code 0 with JSON, or 2 with the error and its position."""

from __future__ import annotations

import json

from feel.playground import run


def test_a_value_is_printed_as_json() -> None:
    code, text = run("=items[score > 0.5].name", '{"items": [{"name": "a", "score": 0.9}]}')

    assert code == 0
    assert json.loads(text) == ["a"]


def test_no_context_means_an_empty_one() -> None:
    assert run("1 + 1", None) == (0, "2")
    assert run("x", None) == (0, "null")


def test_decimals_and_durations_come_out_as_json() -> None:
    assert run('{a: 0.1 + 0.2, d: duration("PT90S"), s: "é"}', None) == (
        0,
        '{"a": 0.3, "d": "PT1M30S", "s": "é"}',
    )


def test_a_syntax_error_exits_2_with_its_position() -> None:
    code, text = run("if x then", None)

    assert code == 2
    assert text == "syntax error at line 1, column 10: expected an expression; got end of input"


def test_an_unknown_function_exits_2() -> None:
    assert run("nosuch()", None) == (2, "function 'nosuch': no such function")


def test_a_bad_context_exits_2() -> None:
    code, text = run("x", "{not json")
    assert code == 2
    assert text.startswith("context is not valid JSON")

    assert run("x", "[1, 2]") == (2, "context must be a JSON object")
