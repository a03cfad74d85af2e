"""The vendored Camunda 7 REST DTO templates (``schema/vendor/camunda7-rest``) as validators.

Camunda 7 does not check its OpenAPI document into the repository: ``engine-rest-openapi``
renders FreeMarker templates — one per DTO, written with the ``lib.dto`` / ``lib.property``
macros of ``lib/utils.ftl`` — into ``openapi.json`` at build time. This module renders the
DTO templates the same way, for the subset of FreeMarker they use (those two macros,
``<#assign>``, ``<#include>``, ``<#if x?has_content>``, comments), and validates with
openapi-schema-validator's OAS 3.0 dialect. Descriptions are dropped; everything a validator
reads (types, formats, ``nullable``, ``required``, enums, items, additionalProperties,
``extends``) is kept as the macros emit it. Lists such as ``required = [ "workerId" ]`` are
joined unquoted by the macros and read back by Gson's lenient parser as strings; so here.

``strict`` adds what the published schema leaves open: a property a DTO does not define is a
problem. The engine itself ignores unknown properties (``FAIL_ON_UNKNOWN_PROPERTIES`` off), so
a misspelt field would be silently dropped by it — exactly the mistake the stand-in is for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import validators
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

VENDOR = Path(__file__).resolve().parents[2] / "schema" / "vendor" / "camunda7-rest"
TEMPLATES = VENDOR / "templates"
MODELS = TEMPLATES / "models"
_BASE = "https://camunda7-rest.invalid/openapi.json"

_COMMENT = re.compile(r"<#--.*?-->", re.S)
_MACRO_BODY = re.compile(r"<#macro \w+_macro[^>]*>(.*)</#macro>", re.S)
_TAG = re.compile(r"<@lib\.(dto|property)\b|<#assign\b|<#include\b|<#if\b|</#if>|</@lib\.dto>")
_NAME = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


class TemplateError(ValueError):
    """A template uses FreeMarker this renderer does not know: extend it, do not guess."""


# --- FreeMarker, the subset the DTO templates use ---


def _string(text: str, pos: int) -> tuple[str, int]:
    quote, out, i = text[pos], [], pos + 1
    while text[i] != quote:
        if text[i] == "\\":
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i + 1


def _value(text: str, pos: int, env: dict[str, Any]) -> tuple[Any, int]:
    while text[pos].isspace():
        pos += 1
    char = text[pos]
    if char in "\"'":
        return _string(text, pos)
    if char == "[":
        items: list[Any] = []
        pos += 1
        while True:
            while text[pos] in " \t\r\n,":
                pos += 1
            if text[pos] == "]":
                return items, pos + 1
            item, pos = _value(text, pos, env)
            items.append(item)
    match = re.compile(r"[A-Za-z_]\w*|-?\d+").match(text, pos)
    if match is None:
        raise TemplateError(f"unreadable value at {text[pos : pos + 40]!r}")
    word = match[0]
    if word in ("true", "false"):
        return word == "true", match.end()
    if word.lstrip("-").isdigit():
        return int(word), match.end()
    if word not in env:
        raise TemplateError(f"undefined variable {word!r}")
    return env[word], match.end()


def _attributes(text: str, pos: int, env: dict[str, Any]) -> tuple[dict[str, Any], int, bool]:
    """``name = value`` pairs up to ``>`` or ``/>``; (attributes, end, self-closing)."""
    attrs: dict[str, Any] = {}
    while True:
        rest = text[pos:].lstrip()
        pos = len(text) - len(rest)
        if rest.startswith("/>"):
            return attrs, pos + 2, True
        if rest.startswith(">"):
            return attrs, pos + 1, False
        match = _NAME.match(text, pos)
        if match is None:
            raise TemplateError(f"unreadable attribute at {text[pos : pos + 40]!r}")
        attrs[match[1]], pos = _value(text, match.end(), env)


def _closing(text: str, pos: int, opening: str, closing: str) -> int:
    """Where the ``closing`` tag matching an already opened ``opening`` starts."""
    depth, tags = 1, re.compile(re.escape(opening) + r"\b|" + re.escape(closing))
    for match in tags.finditer(text, pos):
        depth += 1 if match[0] != closing else -1
        if depth == 0:
            return match.start()
    raise TemplateError(f"{opening} without {closing}")


def _literal(item: Any) -> Any:
    """A list item as Gson reads the macros' output: JSON when it is JSON, else a bare string."""
    if isinstance(item, str):
        try:
            return json.loads(item)
        except ValueError:
            return item
    return item


def _property(a: dict[str, Any]) -> str:
    """``lib.property`` of ``lib/utils.ftl``: one ``"name": {schema}`` member."""
    kind, dto, fmt = a["type"], a.get("dto", ""), a.get("format", "")
    if kind == "ref":
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{dto}"}
    else:
        schema = {"type": kind}
        if fmt:
            schema["format"] = fmt
        if (kind in ("boolean", "string", "array") or fmt or dto) and a.get("nullable", True):
            schema["nullable"] = True
        if a.get("enumValues"):
            schema["enum"] = [_literal(v) for v in a["enumValues"]]
        if a.get("defaultValue", "") != "":
            schema["default"] = _literal(a["defaultValue"])
        if a.get("minimum", "") != "":
            schema["minimum"] = _literal(a["minimum"])
        element = (
            {"$ref": f"#/components/schemas/{dto}"}
            if dto
            else {"type": a.get("itemType", "string")}
        )
        if kind == "array":
            schema["items"] = element
        if a.get("additionalProperties"):
            schema["additionalProperties"] = element
        if a.get("addProperty"):
            schema.update(json.loads("{" + a["addProperty"] + "}"))
    return json.dumps(a["name"]) + ": " + json.dumps(schema) + ("" if a.get("last") else ",")


def _dto(a: dict[str, Any], members: str) -> str:
    """``lib.dto``: an object schema around the rendered members (``extends`` as allOf)."""
    properties = json.loads(_TRAILING_COMMA.sub(r"\1", "{" + members + "}"))
    schema: dict[str, Any] = {}
    if a.get("title"):
        schema["title"] = a["title"]
    if a.get("type", "object"):
        schema["type"] = a.get("type", "object")
    if a.get("required"):
        schema["required"] = [_literal(r) for r in a["required"]]
    schema["properties"] = properties
    if a.get("extends"):
        schema = {"allOf": [schema, {"$ref": f"#/components/schemas/{a['extends']}"}]}
    return json.dumps(schema)


def render(text: str, env: dict[str, Any]) -> str:
    """Template text → JSON text, as the generator renders it."""
    out, pos = [], 0
    while (match := _TAG.search(text, pos)) is not None:
        out.append(text[pos : match.start()])
        tag, pos = match[0], match.end()
        if tag.startswith("<@lib."):
            attrs, pos, closed = _attributes(text, pos, env)
            if match[1] == "property":
                out.append(_property(attrs))
                continue
            end = pos if closed else _closing(text, pos, "<@lib.dto", "</@lib.dto>")
            members = "" if closed else render(text[pos:end], {**env})
            out.append(_dto(attrs, members))
            pos = end if closed else end + len("</@lib.dto>")
        elif tag == "<#assign":
            name = _NAME.match(text, pos)
            if name is None:
                raise TemplateError(f"unreadable assign at {text[pos : pos + 40]!r}")
            env[name[1]], pos = _value(text, name.end(), env)
            pos = text.index(">", pos) + 1
        elif tag == "<#include":
            path, pos = _value(text, pos, env)
            pos = text.index(">", pos) + 1
            out.append(render(_COMMENT.sub("", (TEMPLATES / path.lstrip("/")).read_text()), env))
        elif tag == "<#if":
            end_cond = text.index(">", pos)
            condition = text[pos:end_cond].strip()
            end = _closing(text, end_cond, "<#if", "</#if>")
            if _true(condition, env):
                out.append(render(text[end_cond + 1 : end], env))
            pos = end + len("</#if>")
        else:
            raise TemplateError(f"unexpected {tag}")
    out.append(text[pos:])
    rendered = "".join(out)
    if "${" in rendered:
        raise TemplateError("interpolation outside a description")
    return rendered


def _true(condition: str, env: dict[str, Any]) -> bool:
    match = re.fullmatch(r"(\w+)\?has_content", condition)
    if match is None:
        raise TemplateError(f"unsupported condition {condition!r}")
    return bool(env.get(match[1]))


# --- the schemas ---


@lru_cache(maxsize=64)
def dto_schema(name: str) -> dict[str, Any]:
    """``components/schemas/<name>`` as the generator would write it (descriptions dropped)."""
    found = sorted(MODELS.rglob(f"{name}.ftl"))
    if len(found) != 1:
        raise TemplateError(f"{name}: {len(found)} templates")
    text = _COMMENT.sub("", found[0].read_text(encoding="utf-8"))
    body = _MACRO_BODY.search(text)
    if body is None:
        raise TemplateError(f"{name}: no dto_macro")
    rendered = render(body[1], {"docsUrl": ""}).strip()
    if name == "AnyValue":  # a bare schema: {"description": ...}
        return {}
    schema: dict[str, Any] = json.loads(rendered)
    return schema


def request_dto(endpoint: str) -> str | None:
    """The request body DTO of ``paths/<endpoint>/post.ftl`` (None: the call has no body)."""
    text = (TEMPLATES / "paths" / endpoint / "post.ftl").read_text(encoding="utf-8")
    match = re.search(r"<@lib\.requestBody\b[^>]*?\bdto\s*=\s*\"(\w+)\"", text, re.S)
    return match[1] if match else None


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[1]
            else:
                yield from _refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _refs(item)


def _closed(schema: Any) -> Any:
    """Every DTO object closed to properties it does not define (``extends`` merged first,
    since allOf branches would each refuse the other's properties)."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _closed(v) for k, v in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    return schema


def _flattened(name: str, strict: bool) -> dict[str, Any]:
    schema = dto_schema(name)
    if not strict or "allOf" not in schema:
        return _closed(schema) if strict else schema
    own, parent = schema["allOf"][0], _flattened(schema["allOf"][1]["$ref"].rsplit("/", 1)[1], True)
    merged = {**own, "properties": {**parent["properties"], **own["properties"]}}
    required = parent.get("required", []) + own.get("required", [])
    if required:
        merged["required"] = required
    return _closed(merged)  # type: ignore[no-any-return]


@lru_cache(maxsize=4)
def _registry(strict: bool) -> Registry[Any]:
    schemas: dict[str, Any] = {}
    pending = [
        "FetchExternalTasksDto",
        "LockedExternalTaskDto",
        "ExceptionDto",
        "CompleteExternalTaskDto",
        "ExternalTaskFailureDto",
        "ExternalTaskBpmnError",
        "ExtendLockOnExternalTaskDto",
    ]
    while pending:
        name = pending.pop()
        if name not in schemas:
            schemas[name] = _flattened(name, strict)
            pending.extend(_refs(schemas[name]))
    document = {"components": {"schemas": schemas}}
    registry: Registry[Any] = Registry().with_resource(_BASE, DRAFT4.create_resource(document))
    return registry


_Validator = validators.extend(OAS30Validator, {})


@lru_cache(maxsize=32)
def validator(schema: str, *, array: bool = False, strict: bool = True) -> Any:
    ref = {"$ref": f"{_BASE}#/components/schemas/{schema}"}
    return _Validator({"type": "array", "items": ref} if array else ref, registry=_registry(strict))


def problems(schema: str, instance: Any, *, array: bool = False, strict: bool = True) -> list[str]:
    """Every way ``instance`` breaks the DTO, as ``path: message`` lines (empty: valid)."""
    errors = validator(schema, array=array, strict=strict).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in errors]
