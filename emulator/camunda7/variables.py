"""Typed variables as the engine reads them from a request (``VariableValueDto.toTypedValue``).

The engine turns ``{type, value, valueInfo}`` into a typed value: the type name is the value
type's with a capital first letter (``Json``, ``Integer``); an unknown one is refused; a
primitive value must convert to its Java type (an Integer out of int range does not); a
serializable type (``Object``, ``Json``, ``Xml``) takes only a string (its serialized form) or
null. The messages are the engine's. Beyond the engine, a Json value must parse, so a test
reading what the process got sees the value, not a string.
"""

from __future__ import annotations

import json
from typing import Any

# The engine's value type names, as the REST API spells them.
PRIMITIVE_RANGES = {
    "Short": (-(2**15), 2**15 - 1),
    "Integer": (-(2**31), 2**31 - 1),
    "Long": (-(2**63), 2**63 - 1),
}
PRIMITIVES = {"Boolean", "Bytes", "Short", "Integer", "Long", "Double", "Date", "String", "Null"}
SERIALIZABLE = {"Object", "Json", "Xml"}
OTHER = {"Number", "File"}
_JAVA = {
    "Boolean": "java.lang.Boolean",
    "Short": "java.lang.Short",
    "Integer": "java.lang.Integer",
    "Long": "java.lang.Long",
    "Double": "java.lang.Double",
    "String": "java.lang.String",
    "Date": "java.util.Date",
    "Bytes": "[B",
}


class VariableRefused(Exception):
    """The engine answers 400 with this message (the type is the REST exception's)."""

    def __init__(self, message: str, kind: str = "InvalidRequestException") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def typed(variables: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{name: {type, value}}`` as stored, ``value`` decoded for Json; raises on the first
    variable the engine would refuse."""
    return {name: _one(dto) for name, dto in (variables or {}).items()}


def _one(dto: dict[str, Any]) -> dict[str, Any]:
    kind, value = dto.get("type"), dto.get("value")
    if kind is None:
        return {"type": None, "value": value}  # untyped: the engine infers a type
    if kind not in PRIMITIVES | SERIALIZABLE | OTHER:
        raise VariableRefused(f"Unsupported value type '{kind}'", "RestException")
    if kind in SERIALIZABLE:
        if value is not None and not isinstance(value, str):
            raise VariableRefused(
                f"Must provide 'null' or String value for value of SerializableValue type '{kind}'."
            )
        if kind == "Json" and value is not None:
            return {"type": kind, "value": _json(value)}
        return {"type": kind, "value": value, "valueInfo": dto.get("valueInfo") or {}}
    if value is not None and not _converts(kind, value):
        java = _JAVA.get(kind, kind)
        raise VariableRefused(
            f"Cannot convert value '{_java_text(value)}' of type '{kind}' to java type {java}"
        )
    if kind == "Null" and value is not None:
        raise VariableRefused(f"Cannot convert value '{_java_text(value)}' of type 'Null'")
    return {"type": kind, "value": value}


def _converts(kind: str, value: Any) -> bool:
    """Whether Jackson maps the value onto the type's Java class (the engine's test)."""
    if kind in PRIMITIVE_RANGES:
        low, high = PRIMITIVE_RANGES[kind]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if kind == "Double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "String":
        # Jackson would turn a number into its text too; what we send must be a string.
        return isinstance(value, str)
    return True


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise VariableRefused(
            f"Cannot deserialize Json value: {exc}", "SpinJsonException"
        ) from None


def _java_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
