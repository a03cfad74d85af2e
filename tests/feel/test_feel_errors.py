"""What raises: syntax errors (with position and expectations) and impossible calls."""

from __future__ import annotations

import pytest

from feel import (
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    compile_expression,
    iteration,
)
from feel import evaluate as feel


def syntax_error(text: str) -> FeelSyntaxError:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    return caught.value


def test_a_syntax_error_names_position_expectations_and_token() -> None:
    error = syntax_error("substring(a then")

    assert (error.line, error.column) == (1, 13)
    assert error.expected == ["')'", "','"]
    assert error.message == (
        "syntax error at line 1, column 13: expected one of ')', ','; got 'then'"
    )


def test_syntax_errors_are_input_errors_with_the_expression_code() -> None:
    error = syntax_error("1 +")

    assert isinstance(error, FeelError)
    assert error.code == "InvalidExpression"
    assert error.details == {
        "line": 1,
        "column": 4,
        "expected": ["an expression"],
        "got": "end of input",
    }


@pytest.mark.parametrize(
    ("text", "line", "column", "message_end"),
    [
        ("", 1, 1, "expected an expression; got end of input"),
        ("=", 1, 2, "expected an expression; got end of input"),
        ("if x > 1 then 2", 1, 16, "expected 'else'; got end of input"),
        ("if x > 1 then else 2", 1, 15, "expected an expression; got 'else'"),
        ("[1, 2", 1, 6, "expected one of ',', ']'; got end of input"),
        ("(1, 2", 1, 3, "expected ')'; got ','"),
        ("a = b = c", 1, 7, "expected end of input; got '='"),
        ("a b", 1, 3, "expected end of input; got 'b'"),
        ("for x in y", 1, 11, "expected one of ',', 'return'; got end of input"),
        ("{a 1}", 1, 2, "expected one of '}', a key, a string; got 'a'"),
        ("f(a: 1, 2)", 1, 9, "expected a key; got '2'"),
        ("1 # 2", 1, 3, "unexpected character '#'"),
        ('"open', 1, 1, "unexpected character '\"' (a string that is never closed)"),
        ("{\n  a: 1,\n  b: )\n}", 3, 6, "expected an expression; got ')'"),
        ("a.", 1, 3, "expected a name; got end of input"),
    ],
)
def test_syntax_error_positions(text: str, line: int, column: int, message_end: str) -> None:
    error = syntax_error(text)

    assert (error.line, error.column) == (line, column)
    assert error.message == f"syntax error at line {line}, column {column}: {message_end}"


def test_the_modeler_equals_sign_does_not_shift_columns() -> None:
    assert syntax_error("=1 +").column == syntax_error(" 1 +").column == 5


def test_an_unknown_function_names_the_function() -> None:
    with pytest.raises(FeelEvaluationError) as caught:
        feel("nosuch(1) + 1", {})

    assert caught.value.function == "nosuch"
    assert caught.value.message == "function 'nosuch': no such function"
    assert caught.value.code == "InvalidExpression"


def test_an_unknown_function_parses_and_fails_only_when_reached() -> None:
    expression = compile_expression("if x then nosuch() else 0")

    assert expression.evaluate({"x": False}) == 0
    with pytest.raises(FeelEvaluationError):
        expression.evaluate({"x": True})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('string length("a", "b")', "no signature takes 2 argument(s)"),
        ("substring()", "no signature takes 0 argument(s)"),
        (
            'substring(text: "abc", start position: 1)',
            "no signature has parameters 'text', 'start position'",
        ),
        ('substring(string: "abc")', "no signature has parameters 'string'"),
        ('upper case(string: "a", string: "b")', "an argument is given twice"),
    ],
)
def test_calls_with_wrong_arguments_name_the_function(text: str, reason: str) -> None:
    with pytest.raises(FeelEvaluationError) as caught:
        feel(text, {})

    assert caught.value.reason == reason
    assert caught.value.function == text.split("(")[0]


def test_a_user_function_called_with_too_many_arguments() -> None:
    with pytest.raises(FeelEvaluationError, match="'f': takes 1 argument"):
        feel("{f: function(a) a, r: f(1, 2)}", {})


def test_a_huge_range_is_refused_rather_than_expanded() -> None:
    with pytest.raises(FeelEvaluationError, match="more than 1000000 elements"):
        feel("for i in 1..100000000 return i", {})


@pytest.mark.parametrize(
    "call",
    [
        'matches(s, "^(a|aa)+$")',
        'replace(s, "(a|aa)+$", "x")',
        'split(s, "(a|aa)+$")',
        'extract(s, "(a|aa)+$")',
    ],
)
def test_a_catastrophically_backtracking_pattern_fails_instead_of_hanging(call: str) -> None:
    # With Python's re, matches() on these 60 characters would backtrack for days.
    with pytest.raises(FeelEvaluationError, match="ran longer than") as caught:
        feel(call, {"s": "a" * 60 + "b"})
    assert caught.value.code == "InvalidExpression"


def test_a_bad_pattern_is_null_as_before() -> None:
    assert feel('matches("a", "(")', {}) is None


def test_wrong_argument_types_are_null_not_errors() -> None:
    assert feel('substring(1, "a")', {}) is None
    assert feel('bpmnError(null, "m")', {}) is None


def test_absurd_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(FeelError, match="nests too deeply"):
        compile_expression("+".join(["1"] * 5000))
    with pytest.raises(FeelError, match="nests too deeply"):
        feel("[" * 600 + "]" * 600, {})


def test_an_iteration_explosion_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iteration, "MAX_ITERATIONS", 100)

    assert len(feel("for a in 1..10, b in 1..10 return a * b", {})) == 100
    with pytest.raises(FeelEvaluationError, match="past 100 elements"):
        feel("some a in 1..10, b in 1..10, c in 1..2 satisfies false", {})
