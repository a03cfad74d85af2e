"""The headers the connector evaluates, over a response shaped like a real SageMaker answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from feel import compile_expression, to_json

RESULT_EXPRESSION = """={
  score: response.body.predictions[1].score,
  label: if response.body.predictions[1].score > 0.5 then "positive" else "negative"
}"""

ERROR_EXPRESSION = """=if response.statusCode >= 500 then
  jobError("endpoint failed: " + string(response.statusCode), {}, 2, @"PT30S")
else if count(response.body.predictions) = 0 then
  bpmnError("NO_PREDICTION", "the model returned nothing", {endpoint: response.endpoint})
else null"""


def sagemaker_response(score: float, status: int = 200, predictions: int = 1) -> dict[str, Any]:
    return {
        "response": {
            "statusCode": status,
            "endpoint": "sentiment-prod",
            "headers": {
                "Content-Type": "application/json",
                "x-Amzn-Invoked-Production-Variant": "AllTraffic",
            },
            "body": {
                "predictions": [
                    {"score": score, "label_index": 1, "probabilities": [1 - score, score]}
                ][:predictions],
                "model_version": "2024-05-01",
            },
        }
    }


def test_result_expression_picks_score_and_label() -> None:
    value = compile_expression(RESULT_EXPRESSION).evaluate(sagemaker_response(0.87))

    assert value == {"score": Decimal("0.87"), "label": "positive"}
    assert to_json(value) == {"score": 0.87, "label": "positive"}


def test_result_expression_below_the_threshold() -> None:
    value = compile_expression(RESULT_EXPRESSION).evaluate(sagemaker_response(0.12))

    assert to_json(value) == {"score": 0.12, "label": "negative"}


def test_result_expression_when_the_model_returns_no_prediction() -> None:
    value = compile_expression(RESULT_EXPRESSION).evaluate(sagemaker_response(0.5, predictions=0))

    assert to_json(value) == {"score": None, "label": "negative"}


def test_error_expression_is_null_for_a_good_answer() -> None:
    assert compile_expression(ERROR_EXPRESSION).evaluate(sagemaker_response(0.9)) is None


def test_error_expression_fails_the_job_on_a_server_error() -> None:
    value = compile_expression(ERROR_EXPRESSION).evaluate(sagemaker_response(0.9, status=503))

    assert to_json(value) == {
        "errorType": "jobError",
        "message": "endpoint failed: 503",
        "variables": {},
        "retries": 2,
        "retryBackoff": "PT30S",
    }


def test_error_expression_throws_a_bpmn_error_without_predictions() -> None:
    value = compile_expression(ERROR_EXPRESSION).evaluate(sagemaker_response(0.9, predictions=0))

    assert to_json(value) == {
        "errorType": "bpmnError",
        "code": "NO_PREDICTION",
        "message": "the model returned nothing",
        "variables": {"endpoint": "sentiment-prod"},
    }
