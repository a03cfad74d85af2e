"""JSON Schemas of the contract, generated from the models (published under ``schema/``)."""

from __future__ import annotations

from typing import Any

from producer.contract import Job, Result

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def schemas() -> dict[str, dict[str, Any]]:
    """``job``: what producers submit (validation mode); ``result``: what consumers read."""
    job = Job.model_json_schema(by_alias=True, mode="validation")
    result = Result.model_json_schema(by_alias=True, mode="serialization")
    return {
        "job": {"$schema": SCHEMA_URI, "$id": "smq/job.schema.json", **job},
        "result": {"$schema": SCHEMA_URI, "$id": "smq/result.schema.json", **result},
    }
