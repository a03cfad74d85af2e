"""Zeebe variable mappings, as Camunda 8 applies them to a service task.

- Inputs build the task's local variables: each ``source`` is a static value (text as
  written) or, with a leading ``=``, a FEEL expression over the instance's variables (and
  the locals mapped before it); each ``target`` is a name or a dotted path that builds
  nested contexts (``input.body`` → ``{"input": {"body": …}}``).
- Outputs run when the job completes, over the instance's variables, the locals and the
  job's result variables, and write into the instance's variables. Without output mappings
  the result variables are merged into the instance, as Zeebe does.

Pure functions over JSON data; the FEEL is the project's own (``feel``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.spiff.errors import MappingError
from feel import FeelError, evaluate, to_json

Pair = Sequence[str | None]  # [source, target]


def source_value(source: str | None, context: Mapping[str, Any]) -> Any:
    """A mapping source's value: ``None`` for no source, FEEL for ``=…``, else the text."""
    if source is None:
        return None
    if not source.startswith("="):
        return source
    try:
        return to_json(evaluate(source, context))
    except FeelError as exc:
        raise MappingError(f"{source!r}: {exc}") from exc


def put(variables: dict[str, Any], target: str, value: Any) -> None:
    """Set ``target`` (a name or dotted path) in ``variables``; a path merges into the
    context already there (other entries kept) and replaces anything that is not one."""
    *parents, leaf = _path(target)
    node = variables
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    node[leaf] = value


def _path(target: str) -> list[str]:
    parts = [p.strip() for p in target.split(".")]
    if not all(parts):
        raise MappingError(f"target {target!r} is not a variable name or a dotted path")
    return parts


def map_inputs(mappings: Sequence[Pair], variables: Mapping[str, Any]) -> dict[str, Any]:
    """The task's local variables from its input mappings, in document order."""
    local: dict[str, Any] = {}
    for source, target in mappings:
        value = source_value(source, {**variables, **local})
        put(local, str(target), value)
    return local


def map_outputs(
    mappings: Sequence[Pair],
    variables: Mapping[str, Any],
    local: Mapping[str, Any],
    result: Mapping[str, Any],
) -> dict[str, Any]:
    """The instance's variables after the task completed with ``result`` variables."""
    updated = copy.deepcopy(dict(variables))
    if not mappings:
        updated.update(copy.deepcopy(dict(result)))
        return updated
    context = {**variables, **local, **result}
    for source, target in mappings:
        put(updated, str(target), source_value(source, context))
    return updated
