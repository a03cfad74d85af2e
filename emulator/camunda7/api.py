"""The stand-in's HTTP routes: the external-task calls of Camunda 7's REST API under
``/engine-rest``, and a control API (``/_camunda7/…``) for tests and benchmarks.

Every request body is validated against the vendored DTOs (strictly: a property the DTO does
not define is refused, where the engine would drop it silently) and against the engine's own
checks (``workerId`` on every call, typed variables); an invalid one is answered 400 and
recorded, so a test can assert that the adapter never sent one. Errors are the engine's
``{type, message, code}`` (``ExceptionDto``) with its statuses and messages: 404 for a task that
no longer exists, 400 for a worker that does not hold the lock or a lock that expired.
fetchAndLock answers are checked against ``LockedExternalTaskDto`` too.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from emulator.camunda7 import spec
from emulator.camunda7.tasks import Refused, TaskStore
from emulator.camunda7.variables import VariableRefused, typed
from emulator.http import Request, Response, json_response

ROOT = "/engine-rest"
_TASK_PATH = re.compile(
    r"^/engine-rest/external-task/([^/]+)/(complete|failure|bpmnError|extendLock|unlock)$"
)
_CONTROL = "/_camunda7"
# FetchAndLockHandlerImpl.MAX_REQUEST_TIMEOUT
MAX_ASYNC_RESPONSE_TIMEOUT_MS = 1_800_000
_KEEP_REQUESTS = 50_000
# Operation → the vendored path template whose request body DTO applies.
_ENDPOINTS = {
    "fetchAndLock": "external-task/fetchAndLock",
    "complete": "external-task/{id}/complete",
    "failure": "external-task/{id}/failure",
    "bpmnError": "external-task/{id}/bpmnError",
    "extendLock": "external-task/{id}/extendLock",
    "unlock": "external-task/{id}/unlock",
}


@dataclass
class Auth:
    mode: str = "none"  # none | basic | bearer
    username: str = ""
    password: str = ""
    token: str = ""

    def allows(self, header: str) -> bool:
        if self.mode == "basic":
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return header == f"Basic {expected}"
        if self.mode == "bearer":
            return header == f"Bearer {self.token}"
        return True


@dataclass
class Fault:
    operation: str  # fetchAndLock | complete | failure | bpmnError | extendLock | unlock | any
    status: int
    kind: str
    message: str
    count: int


class Camunda7Api:
    def __init__(self, auth: Auth, *, check_answers: bool = True) -> None:
        self.check_answers = check_answers
        self.store = TaskStore()
        self.auth = auth
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.invalid: list[dict[str, Any]] = []
        self.self_check: list[str] = []
        self.counts: dict[str, int] = {}

    async def handle(self, request: Request) -> Response:
        if request.path.startswith(_CONTROL):
            return await self._control(request)
        return await self._rest(request)

    # --- the REST API ---

    async def _rest(self, request: Request) -> Response:
        operation, task_id = _route(request)
        if operation is None:
            return self._error(
                404, "NotFoundException", f"no route {request.method} {request.path}"
            )
        self._record(request, operation)
        if not self.auth.allows(request.headers.get("authorization", "")):
            scheme = "Bearer" if self.auth.mode == "bearer" else 'Basic realm="default"'
            return Response(401, b"", [("WWW-Authenticate", scheme)])
        body, refused = self._body(request, operation)
        if refused is not None:
            return refused
        fault = next(
            (f for f in self.faults if f.count > 0 and f.operation in (operation, "any")), None
        )
        if fault is not None:
            fault.count -= 1
            return self._error(fault.status, fault.kind, fault.message)
        self.counts[operation] = self.counts.get(operation, 0) + 1
        try:
            return await self._perform(operation, task_id, body)
        except VariableRefused as exc:
            return self._error(400, exc.kind, exc.message)
        except Refused as exc:
            return self._error(exc.status, exc.kind, exc.message, code=0)

    async def _perform(self, operation: str, task_id: str, body: dict[str, Any]) -> Response:
        store = self.store
        if operation == "fetchAndLock":
            timeout = body.get("asyncResponseTimeout")
            if timeout is not None and timeout > MAX_ASYNC_RESPONSE_TIMEOUT_MS:
                raise Refused(
                    400,
                    "The asynchronous response timeout cannot be set to a value greater than "
                    f"{MAX_ASYNC_RESPONSE_TIMEOUT_MS} milliseconds",
                    "InvalidRequestException",
                )
            locked = await store.fetch_and_lock(body, max(0, timeout or 0) / 1000)
            self._check("LockedExternalTaskDto", locked, array=True)
            return json_response(200, locked)
        if operation == "unlock":
            store.unlock(task_id)
            return Response(204)
        # The REST layer converts the variables before the engine looks at the task.
        variables = typed(body.get("variables"))
        if operation == "complete":
            store.complete(task_id, body, variables)
        elif operation == "failure":
            store.failure(task_id, body, variables)
        elif operation == "bpmnError":
            store.bpmn_error(task_id, body, variables)
        else:
            store.extend_lock(task_id, body)
        return Response(204)

    def _body(self, request: Request, operation: str) -> tuple[dict[str, Any], Response | None]:
        dto = spec.request_dto(_ENDPOINTS[operation])
        if dto is None:
            return {}, None
        try:
            body = json.loads(request.body or b"null")
        except ValueError as exc:
            return {}, self._invalid(request, operation, [f"<body>: not JSON ({exc})"])
        if not isinstance(body, dict):
            return {}, self._invalid(request, operation, ["<body>: not a JSON object"])
        problems = spec.problems(dto, body)
        if problems:
            return {}, self._invalid(request, operation, problems)
        # The commands' own checks (EnsureUtil.ensureNotNull): a ProcessEngineException, 500.
        for required in ("workerId", "errorCode" if operation == "bpmnError" else ""):
            if required and body.get(required) is None:
                self.invalid.append(
                    {
                        "operation": operation,
                        "path": request.path,
                        "problems": [f"{required}: null"],
                    }
                )
                return {}, self._error(500, "NullValueException", f"{required} is null", code=0)
        return body, None

    def _invalid(self, request: Request, operation: str, problems: list[str]) -> Response:
        self.invalid.append({"operation": operation, "path": request.path, "problems": problems})
        return self._error(400, "InvalidRequestException", "; ".join(problems))

    def _record(self, request: Request, operation: str) -> None:
        self.requests.append(
            {
                "time": time.time(),
                "method": request.method,
                "path": request.path,
                "operation": operation,
                "raw": request.body.decode(errors="replace"),
                "authorization": request.headers.get("authorization", "").split(" ")[0],
            }
        )
        if len(self.requests) > _KEEP_REQUESTS:
            del self.requests[: len(self.requests) - _KEEP_REQUESTS]

    def _error(self, status: int, kind: str, message: str, code: int | None = None) -> Response:
        document: dict[str, Any] = {"type": kind, "message": message}
        if code is not None:
            document["code"] = code
        self._check("ExceptionDto", document)
        return json_response(status, document)

    def _check(self, schema: str, document: Any, *, array: bool = False) -> None:
        if self.check_answers:
            self.self_check.extend(spec.problems(schema, document, array=array))

    # --- control API ---

    async def _control(self, request: Request) -> Response:
        path, method = request.path[len(_CONTROL) :], request.method
        body = json.loads(request.body) if request.body else {}
        if path == "/health":
            return json_response(200, {"status": "ok"})
        if path == "/tasks" and method == "POST":
            specs = body if isinstance(body, list) else [body]
            created = [self.store.create(s) for s in specs]
            await self.store.notify()
            return json_response(200, {"ids": [task.id for task in created]})
        if path == "/tasks" and method == "GET":
            return json_response(200, {"tasks": [t.view() for t in self.store.tasks.values()]})
        if match := re.fullmatch(r"/tasks/([^/]+)", path):
            task = self.store.tasks.get(match[1])
            return json_response(200, task.view()) if task else json_response(404, {})
        if match := re.fullmatch(r"/tasks/([^/]+)/(delete|retries)", path):
            try:
                if match[2] == "delete":
                    task = self.store.delete(match[1])
                else:
                    task = self.store.set_retries(match[1], int(body["retries"]))
                    await self.store.notify()
            except Refused as exc:
                return json_response(exc.status, {"message": exc.message})
            return json_response(200, task.view())
        if path == "/faults" and method == "POST":
            self.faults.append(
                Fault(
                    body["operation"],
                    int(body["status"]),
                    body.get("type", "ProcessEngineException"),
                    body.get("message", "scripted by the control API"),
                    int(body["count"]),
                )
            )
            return json_response(200, {"faults": len(self.faults)})
        if path == "/requests" and method == "GET":
            return json_response(200, {"requests": self.requests, "invalid": self.invalid})
        if path == "/stats" and method == "GET":
            return json_response(200, self.stats())
        return json_response(404, {"message": f"no control route {method} {path}"})

    def stats(self) -> dict[str, Any]:
        return {
            "requests": len(self.requests),
            "calls": self.counts,
            "invalid": len(self.invalid),
            "selfCheck": self.self_check[:20],
        }


def _route(request: Request) -> tuple[str | None, str]:
    if request.method != "POST":
        return None, ""
    if request.path == f"{ROOT}/external-task/fetchAndLock":
        return "fetchAndLock", ""
    match = _TASK_PATH.match(request.path)
    return (match[2], match[1]) if match else (None, "")
