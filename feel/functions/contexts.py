"""Context built-ins. Contexts are values: every function returns a new dict."""

from __future__ import annotations

from typing import Any

from feel.functions.registry import builtin, items_of


def _keys(key: str | list[Any]) -> list[str] | None:
    """A key or, as in FEEL 1.4, a list of keys naming a nested entry."""
    keys = key if isinstance(key, list) else [key]
    if not keys or not all(isinstance(k, str) for k in keys):
        return None
    return keys


@builtin("get value", "m: context", "key: string|list")
def get_value(m: dict[str, Any], key: str | list[Any]) -> Any:
    keys = _keys(key)
    if keys is None:
        return None
    value: Any = m
    for k in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(k)
    return value


@builtin("get entries", "m: context")
def get_entries(m: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in m.items()]


@builtin("context put", "context: context", "key: string|list", "value: any")
def context_put(context: dict[str, Any], key: str | list[Any], value: Any) -> Any:
    keys = _keys(key)
    if keys is None:
        return None
    inner = context.get(keys[0]) if len(keys) > 1 else None
    if len(keys) > 1:
        if not isinstance(inner, dict):
            return None
        value = context_put(inner, keys[1:], value)
    return {**context, keys[0]: value}


@builtin("context merge", "*contexts: any")
def context_merge(*contexts: Any) -> dict[str, Any] | None:
    items = items_of(contexts)
    if items is None or not all(isinstance(c, dict) for c in items):
        return None
    merged: dict[str, Any] = {}
    for context in items:
        merged.update(context)
    return merged


@builtin("context", "entries: list")
def context(entries: list[Any]) -> dict[str, Any] | None:
    """The inverse of ``get entries``: a list of ``{key, value}`` contexts."""
    built: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            return None
        built[entry["key"]] = entry.get("value")
    return built
