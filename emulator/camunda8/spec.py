"""The vendored REST API v2 job schemas (``schema/vendor/camunda-rest-v2``) as validators.

OpenAPI 3.0 schemas (``nullable``), so openapi-schema-validator's OAS 3.0 dialect; the
files' relative ``$ref``s resolve through a ``referencing`` registry. Patterns use ``\\p{L}``
(Java regex), which Python's ``re`` lacks: ``pattern`` is checked with ``regex``. And the
files write a nullable reference as ``nullable: true`` beside ``allOf: [$ref]`` (e.g.
``userTask``, "null if the job is not a user task"), which OAS 3.0 validators read as "the
referenced schema must accept null": null is accepted there, as the description says.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml
from jsonschema import ValidationError, validators
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

VENDOR = Path(__file__).resolve().parents[2] / "schema" / "vendor" / "camunda-rest-v2"
# A hierarchical base URI, so the files' relative $refs ("keys.yaml#/...") resolve.
_BASE = "https://camunda-rest-v2.invalid/"


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_ALL_OF = OAS30Validator.VALIDATORS["allOf"]


def _all_of(
    validator: Any, all_of: list[Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if instance is None and schema.get("nullable") is True:
        return
    yield from _ALL_OF(validator, all_of, instance, schema)


_Validator = validators.extend(OAS30Validator, {"pattern": _pattern, "allOf": _all_of})


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(VENDOR.glob("*.yaml")):
        contents = yaml.safe_load(path.read_text(encoding="utf-8"))
        resources.append((_BASE + path.name, DRAFT4.create_resource(contents)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=32)
def validator(schema_name: str, file: str = "jobs.yaml") -> Any:
    """A validator for ``components/schemas/<schema_name>`` of a vendored file."""
    schema = {"$ref": f"{_BASE}{file}#/components/schemas/{schema_name}"}
    return _Validator(schema, registry=_registry())


def problems(schema_name: str, instance: Any, file: str = "jobs.yaml") -> list[str]:
    """Every way ``instance`` breaks the schema, as ``path: message`` lines (empty: valid)."""
    errors = validator(schema_name, file).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in errors]


def resource(file: str) -> Resource[Any]:
    return _registry()[_BASE + file]
