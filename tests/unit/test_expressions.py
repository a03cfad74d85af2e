"""The service's side of FEEL: a bad expression becomes the job's input error, never a crash."""

from __future__ import annotations

import pytest

from feel.errors import FeelError
from producer.contract import JobContext
from producer.errors import InputError
from worker import expressions


def context(**headers: str) -> JobContext:
    return JobContext.model_validate({"id": "j1", "headers": headers})


def test_a_syntax_error_is_an_input_error_with_its_position() -> None:
    with pytest.raises(InputError) as caught:
        expressions.result_variables(context(resultExpression="={a: 1 +}"), {"body": 1})

    error = caught.value
    assert error.code == "InvalidExpression"
    assert error.retryable is False
    assert error.details["line"] == 1 and error.details["column"] == 9
    assert isinstance(error.__cause__, FeelError)


def test_a_call_to_an_unknown_function_is_an_input_error() -> None:
    with pytest.raises(InputError, match="nosuch"):
        expressions.result_variables(context(resultExpression="={a: nosuch(1)}"), {})


def test_feel_errors_are_not_service_errors() -> None:
    # feel/ stands alone: its errors reach the service only through worker.expressions.
    assert not issubclass(FeelError, InputError)
