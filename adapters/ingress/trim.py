"""Trimming the ingress stream to what some consumer group may still need.

An entry can go once every group on the stream has read it and acknowledged it: below the
oldest entry still pending in any group, and not past any group's last-delivered id. The
bound only moves forward (pending entries get acknowledged, groups read on, new entries get
larger ids), so a bound computed a moment before XTRIM is still safe when it runs. Readers
that use plain XREAD instead of a group are not seen here: give them a group, or turn
trimming off (``SMQ_INGRESS_TRIM=false``).
"""

from __future__ import annotations

from typing import Any

from producer.connection import RedisClient


def _successor(entry_id: str) -> str:
    ms, seq = entry_id.split("-")
    return f"{ms}-{int(seq) + 1}"


def _older(a: str, b: str) -> str:
    key = [tuple(int(p) for p in i.split("-")) for i in (a, b)]
    return a if key[0] <= key[1] else b


def acknowledged_bound(redis: RedisClient, stream: str) -> str | None:
    """The smallest id some group may still need (entries below it are done for all), or
    None when the stream has no group."""
    bound: str | None = None
    groups: list[dict[str, Any]] = redis.xinfo_groups(stream)
    for group in groups:
        if group["pending"]:
            summary: dict[str, Any] = redis.xpending(stream, group["name"])
            keep = str(summary["min"])
        else:
            keep = _successor(str(group["last-delivered-id"]))
        bound = keep if bound is None else _older(bound, keep)
    return bound


def trim_acknowledged(redis: RedisClient, stream: str) -> int:
    """Delete the entries every group has acknowledged; how many went."""
    bound = acknowledged_bound(redis, stream)
    if bound is None:
        return 0
    return int(redis.xtrim(stream, minid=bound, approximate=False))
