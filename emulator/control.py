"""A small client for the emulator's control API, for tests, the demo and benchmarks.

Standard library only, so any process can script the emulator without new dependencies.
Each call opens its own connection: control traffic shows up in ``connectionsOpened`` but not
in ``invocationConnections``, which is the counter keep-alive checks should read.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote


class EmulatorControlError(Exception):
    """The control API refused a call; `status` and `document` say why."""

    def __init__(self, status: int, document: Any) -> None:
        super().__init__(f"control API answered {status}: {document}")
        self.status = status
        self.document = document


class EmulatorControl:
    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s

    def script(self, name: str, **fields: Any) -> dict[str, Any]:
        """Replace the script of endpoint `name`; keys as in the README, camelCase or
        snake_case (``async_`` for ``async``). Returns the script with defaults filled in."""
        answer = self._call("PUT", f"/_emulator/endpoints/{quote(name, safe='')}", fields)
        script: dict[str, Any] = answer["script"]
        return script

    def forget(self, name: str) -> None:
        """Drop one endpoint's script and records: it echoes again."""
        self._call("DELETE", f"/_emulator/endpoints/{quote(name, safe='')}")

    def invocations(self, name: str) -> dict[str, Any]:
        """``{"count", "byInferenceId", "records"}`` for endpoint `name`."""
        path = f"/_emulator/endpoints/{quote(name, safe='')}/invocations"
        document: dict[str, Any] = self._call("GET", path)
        return document

    def release(self, name: str) -> None:
        """Let the held outputs of endpoint `name` (``async: {hold: true}``) land: each at a
        random moment within the script's ``jitterMs`` from now."""
        self._call("POST", f"/_emulator/endpoints/{quote(name, safe='')}/release")

    def stats(self) -> dict[str, Any]:
        """Counters: connections, requests, invocations, and ``"s3"`` (see `s3_stats`)."""
        document: dict[str, Any] = self._call("GET", "/_emulator/stats")
        return document

    def s3_stats(self) -> dict[str, int]:
        """Built-in S3 requests per operation (``GetObject``, ``ListObjectsV2``, ...,
        ``NotImplemented``) and ``connections``, those that carried an S3 request."""
        counts: dict[str, int] = self.stats()["s3"]
        return counts

    def s3_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        """``{"key", "size", "contentType", "writtenAt"}`` for each object of the built-in S3
        under `prefix`, in key order; `writtenAt` is unix seconds (time.time()) of the write."""
        path = f"/_emulator/s3/{quote(bucket, safe='')}?prefix={quote(prefix, safe='')}"
        objects: list[dict[str, Any]] = self._call("GET", path)["objects"]
        return objects

    def s3_reset(self) -> None:
        """Drop every object of the built-in S3; buckets and counters stay."""
        self._call("DELETE", "/_emulator/s3")

    def reset(self) -> None:
        """Drop every script and record; the counters keep running and S3 is kept."""
        self._call("DELETE", "/_emulator/endpoints")

    def healthy(self) -> bool:
        try:
            self._call("GET", "/_emulator/health")
        except (OSError, EmulatorControlError):
            return False
        return True

    def wait_healthy(self, timeout_s: float = 10.0) -> None:
        """Block until the emulator answers its health check; TimeoutError after `timeout_s`."""
        self._wait(self.healthy, timeout_s, "the emulator did not become healthy")

    def wait_for_invocations(self, name: str, count: int, timeout_s: float = 10.0) -> None:
        """Block until endpoint `name` has seen at least `count` invocations."""
        self._wait(
            lambda: self.invocations(name)["count"] >= count,
            timeout_s,
            f"{name} did not see {count} invocations",
        )

    @staticmethod
    def _wait(condition: Callable[[], bool], timeout_s: float, message: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{message} within {timeout_s}s")
            time.sleep(0.05)

    def _call(self, method: str, path: str, document: Any = None) -> Any:
        data = None if document is None else json.dumps(document).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            with exc:
                raise EmulatorControlError(exc.code, _read_json(exc)) from exc


def _read_json(response: Any) -> Any:
    raw = response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
