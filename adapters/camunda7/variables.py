"""Camunda 7's typed variables ↔ JSON values: pure functions.

In: the connector's four variables as a modeler sets them with input parameters — a ``Json``
variable (``S(…)``, a script), an ``Object`` serialized as ``application/json`` (a
``camunda:map``/``camunda:list`` when the engine's default serialization format is JSON), or a
``String`` holding JSON (a text input parameter). fetchAndLock hands all three over in their
serialized form (``deserializeValues`` false), so each is parsed here. Anything else (a
Java-serialized Object, a number, text that is not JSON) is a ``VariableProblem`` naming the
variable and why — never its value, which may hold credentials.

Out: result variables typed the way a process reads them best: objects and lists as ``Json``
(Spin: ``prediction.prop("score")`` in expressions), scalars as their own types.
"""

from __future__ import annotations

import json
from typing import Any

# A String variable lives in a 4,000-character column (ACT_RU_VARIABLE.TEXT_); a longer one
# fails the engine's insert with a 500 that no retry cures. Longer text goes as Json instead.
MAX_STRING = 4000
_INT = (-(2**31), 2**31 - 1)
_LONG = (-(2**63), 2**63 - 1)


class VariableProblem(ValueError):
    """A connector variable the adapter cannot read: the task fails with this message."""


def read(name: str, variable: dict[str, Any]) -> Any:
    """The JSON value of one fetched variable (``{type, value, valueInfo}``); None for a null."""
    kind, value = variable.get("type"), variable.get("value")
    if kind == "Null" or value is None:
        return None
    if kind == "Object":
        info = variable.get("valueInfo") or {}
        form = info.get("serializationDataFormat")
        if form != "application/json":
            raise VariableProblem(
                f"variable '{name}' is an Object serialized as {form or 'an unknown format'} "
                f"({info.get('objectTypeName') or 'unknown type'}); give it as Json, as an Object "
                "serialized as application/json (the engine's defaultSerializationFormat) or as "
                "a String holding JSON"
            )
    elif kind not in ("Json", "String"):
        raise VariableProblem(
            f"variable '{name}' has type {kind}; expected Json, Object (application/json) or a "
            "String holding JSON"
        )
    if not isinstance(value, str):
        raise VariableProblem(f"variable '{name}' ({kind}) does not hold serialized JSON")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        # The parser's reason and position only: the text itself may hold credentials.
        raise VariableProblem(
            f"variable '{name}' ({kind}) does not hold JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None


def typed(value: Any) -> dict[str, Any]:
    """One JSON value as a Camunda 7 variable (``VariableValueDto``)."""
    if value is None:
        return {"type": "Null", "value": None}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value}
    if isinstance(value, int):
        if _INT[0] <= value <= _INT[1]:
            return {"type": "Integer", "value": value}
        if _LONG[0] <= value <= _LONG[1]:
            return {"type": "Long", "value": value}
        return _json(value)  # beyond a Java long: exact as a Json number, not a rounded Double
    if isinstance(value, float):
        return {"type": "Double", "value": value}
    if isinstance(value, str) and len(value) <= MAX_STRING:
        return {"type": "String", "value": value}
    return _json(value)


def typed_all(variables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: typed(value) for name, value in variables.items()}


def _json(value: Any) -> dict[str, Any]:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return {"type": "Json", "value": text}
