"""The control API under /_emulator/: script endpoints, read what they saw, reset.

Routes (JSON in and out):
  GET    /_emulator/health                       200 {"status": "ok"}
  GET    /_emulator/stats                        connection and request counters, inFlight
  PUT    /_emulator/endpoints/{name}             set the script (see scripts.Script)
  GET    /_emulator/endpoints/{name}             the script in force, defaults filled in
  DELETE /_emulator/endpoints/{name}             forget the script and the records
  GET    /_emulator/endpoints/{name}/invocations {"count", "byInferenceId", "records"}
  POST   /_emulator/endpoints/{name}/release     held async outputs land from now (async.hold)
  DELETE /_emulator/endpoints                    forget every script and record (not S3)
  GET    /_emulator/s3                           the built-in S3's buckets and object counts
  GET    /_emulator/s3/{bucket}?prefix=P         {"bucket", "objects": [{"key", "size",
                                                  "contentType", "writtenAt"}]} in key order
  DELETE /_emulator/s3                           drop every object (the buckets stay)
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote

from pydantic import ValidationError

from emulator.http import Request, Response, ServerStats, json_response
from emulator.s3api import S3Api
from emulator.scripts import Script
from emulator.state import EmulatorState

PREFIX = "/_emulator/"


class ControlApi:
    def __init__(self, state: EmulatorState, server_stats: ServerStats, s3_api: S3Api) -> None:
        self._state = state
        self._server_stats = server_stats
        self._s3_api = s3_api

    async def handle(self, request: Request) -> Response:
        parts = [unquote(part) for part in request.path[len(PREFIX) :].split("/")]
        method = request.method
        match parts:
            case ["health"] if method == "GET":
                return json_response(200, {"status": "ok"})
            case ["stats"] if method == "GET":
                return json_response(200, self._stats())
            case ["endpoints"] if method == "DELETE":
                self._state.reset()
                return json_response(200, {"reset": "all"})
            case ["endpoints", name] if name:
                return self._endpoint(method, name, request.body)
            case ["endpoints", name, "invocations"] if name and method == "GET":
                return json_response(200, self._state.endpoint(name).log.document())
            case ["endpoints", name, "release"] if name and method == "POST":
                self._state.endpoint(name).released.set()
                return json_response(200, {"released": name})
            case ["s3"] if method == "GET":
                return json_response(200, {"buckets": self._s3_api.store.buckets_document()})
            case ["s3"] if method == "DELETE":
                self._s3_api.store.wipe()
                return json_response(200, {"reset": "s3"})
            case ["s3", bucket] if method == "GET":
                return self._s3_objects(bucket, request.query)
        return json_response(404, {"message": f"no control route for {method} {request.path}"})

    def _endpoint(self, method: str, name: str, body: bytes) -> Response:
        if method == "PUT":
            return self._set_script(name, body)
        if method == "GET":
            return json_response(200, self._state.endpoint(name).script.document())
        if method == "DELETE":
            self._state.forget(name)
            return json_response(200, {"reset": name})
        return json_response(405, {"message": f"{method} is not allowed here"})

    def _set_script(self, name: str, body: bytes) -> Response:
        try:
            script = Script.model_validate(json.loads(body or b"{}"))
        except json.JSONDecodeError as exc:
            return json_response(400, {"message": f"the script is not JSON: {exc}"})
        except ValidationError as exc:
            problems = [
                {"path": ".".join(map(str, error["loc"])), "reason": error["msg"]}
                for error in exc.errors()
            ]
            return json_response(400, {"message": "invalid script", "problems": problems})
        self._state.set_script(name, script)
        return json_response(200, {"endpoint": name, "script": script.document()})

    def _s3_objects(self, bucket_name: str, query: str) -> Response:
        store = self._s3_api.store
        bucket = store.bucket(bucket_name)
        if bucket is None:
            return json_response(404, {"message": f"no bucket {bucket_name!r} in the built-in S3"})
        prefix = parse_qs(query).get("prefix", [""])[0]
        objects = store.objects_document(bucket, prefix)
        return json_response(200, {"bucket": bucket_name, "objects": objects})

    def _stats(self) -> dict[str, Any]:
        server = self._server_stats
        return {
            "connectionsOpened": server.connections_opened,
            "connectionsOpen": server.connections_open,
            "requests": server.requests,
            "invocations": self._state.invocations,
            "invocationConnections": self._state.invocation_connections,
            "inFlight": self._state.in_flight,
            "s3": self._s3_api.stats(),
        }
