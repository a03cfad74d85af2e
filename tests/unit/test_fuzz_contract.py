"""Property: any JSON document at submit is either a valid job or a JobValidationError naming
fields — never another exception, never a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from producer.errors import JobValidationError
from producer.submit import validate_all

_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
_field_values = st.one_of(
    _json, st.sampled_from(["", "sync", "ASYNC", "PT30S", "60", "s3://b/k", "{{secrets.X}}"])
)
# Job-shaped documents with random values where the names are right, to reach deep validators.
_job_like = st.fixed_dictionaries(
    {
        "variables": st.fixed_dictionaries(
            {
                "authentication": st.dictionaries(
                    st.sampled_from(["type", "accessKey", "secretKey"]), _field_values, max_size=3
                ),
                "configuration": st.dictionaries(
                    st.sampled_from(["region", "endpoint"]), _field_values
                ),
                "input": st.dictionaries(
                    st.sampled_from(
                        [
                            "invocationType",
                            "endpointName",
                            "body",
                            "contentType",
                            "requestTTLSeconds",
                            "invocationTimeoutSeconds",
                            "enableExplanations",
                            "inputLocation",
                            "awaitCompletion",
                        ]
                    ),
                    _field_values,
                ),
            }
        ),
    },
    optional={
        "id": _field_values,
        "headers": _json,
        "retries": _field_values,
        "replyTo": _field_values,
        "correlation": _json,
    },
)


def check(document: Any) -> None:
    try:
        validate_all([document])
    except JobValidationError as exc:  # either outcome is fine; a rejection must say why
        assert exc.problems  # noqa: PT017
        assert all(p.reason for p in exc.problems)  # noqa: PT017


@settings(max_examples=400, deadline=None)
@given(_json)
def test_arbitrary_json_is_accepted_or_rejected_with_reasons(document: Any) -> None:
    check(document)


@settings(max_examples=600, deadline=None)
@given(_job_like)
def test_job_shaped_documents_are_accepted_or_rejected_with_reasons(document: Any) -> None:
    check(document)
