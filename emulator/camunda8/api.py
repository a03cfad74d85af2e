"""The stand-in's HTTP routes: the five job calls of REST API v2, an OAuth token endpoint,
and a control API (``/_camunda8/…``) for tests and benchmarks.

Every request body is validated against the vendored schemas before anything else; an
invalid one is answered 400 problem+json and recorded, so a test can assert that the
adapter never sent one. Errors are problem+json documents (RFC 9457), checked against the
vendored ``ProblemDetail`` too, as are activation answers against ``JobActivationResult``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from emulator.camunda8 import spec
from emulator.camunda8.jobs import JobStore, Refused
from emulator.http import Request, Response, json_response

_JOB_PATH = re.compile(r"^/v2/jobs/([^/]+)(/completion|/failure|/error)?$")
_CONTROL = "/_camunda8"
# The gateway's long-polling default when requestTimeout is 0.
DEFAULT_REQUEST_TIMEOUT_MS = 10_000
# Operation → the request schema its body must follow.
_SCHEMAS = {
    "activation": "JobActivationRequest",
    "completion": "JobCompletionRequest",
    "failure": "JobFailRequest",
    "error": "JobErrorRequest",
    "update": "JobUpdateRequest",
}
_KEEP_REQUESTS = 50_000


@dataclass
class Auth:
    mode: str = "none"  # none | oauth | basic
    client_id: str = ""
    client_secret: str = ""
    username: str = ""
    password: str = ""
    token_lifetime: int = 3600
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (monotonic)
    token_requests: int = 0


@dataclass
class Fault:
    operation: str  # activation | completion | failure | error | update | any
    status: int
    title: str
    count: int


class CamundaApi:
    def __init__(self, auth: Auth, *, check_answers: bool = True) -> None:
        # Checking our own answers costs ~0.5 ms per activated job: benchmarks turn it off.
        self.check_answers = check_answers
        self.store = JobStore()
        self.auth = auth
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.invalid: list[dict[str, Any]] = []
        self.self_check: list[str] = []  # our own answers that broke the schemas (a bug here)
        self.counts: dict[str, int] = {}

    async def handle(self, request: Request) -> Response:
        if request.path.startswith(_CONTROL):
            return await self._control(request)
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        return await self._rest(request)

    # --- REST API v2 ---

    async def _rest(self, request: Request) -> Response:
        operation, job_key = _route(request)
        if operation is None:
            return self._problem(
                404, "NOT_FOUND", f"no route {request.method} {request.path}", request
            )
        body, problem = self._body(request, operation)
        self._record(request, operation, body)
        if problem is not None:
            return problem
        if not self._authorized(request):
            return self._problem(401, "Unauthorized", "missing or invalid credentials", request)
        fault = self._fault(operation)
        if fault is not None:
            return self._problem(fault.status, fault.title, "scripted by the control API", request)
        self.counts[operation] = self.counts.get(operation, 0) + 1
        try:
            return await self._perform(operation, job_key, body, request)
        except Refused as exc:
            return self._problem(exc.status, exc.title, exc.detail, request)

    async def _perform(
        self, operation: str, job_key: int | None, body: dict[str, Any], request: Request
    ) -> Response:
        store = self.store
        if operation == "activation":
            timeout_ms = int(body.get("requestTimeout", 0)) or DEFAULT_REQUEST_TIMEOUT_MS
            jobs = await store.activate(body, max(0, timeout_ms) / 1000)
            fetch = body.get("fetchVariable") or []
            document = {"jobs": [_activated(job, fetch) for job in jobs]}
            self._check("JobActivationResult", document)
            return json_response(200, document)
        assert job_key is not None
        if operation == "completion":
            store.complete(job_key, body)
        elif operation == "failure":
            store.fail(job_key, body)
        elif operation == "error":
            store.throw_error(job_key, body)
        else:
            store.update(job_key, body)
        return Response(204)

    def _body(self, request: Request, operation: str) -> tuple[dict[str, Any], Response | None]:
        if not request.body and operation in ("completion", "failure"):
            return {}, None  # requestBody: required: false
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return {}, self._invalid(request, operation, ["<body>: not JSON"])
        problems = spec.problems(_SCHEMAS[operation], body)
        if problems:
            return {}, self._invalid(request, operation, problems)
        return body, None

    def _invalid(self, request: Request, operation: str, problems: list[str]) -> Response:
        self.invalid.append({"operation": operation, "path": request.path, "problems": problems})
        return self._problem(400, "INVALID_ARGUMENT", "; ".join(problems), request)

    def _record(self, request: Request, operation: str, body: dict[str, Any]) -> None:
        entry = {
            "time": time.time(),
            "method": request.method,
            "path": request.path,
            "operation": operation,
            "body": body,
            "raw": request.body.decode(errors="replace"),
        }
        self.requests.append(entry)
        if len(self.requests) > _KEEP_REQUESTS:
            del self.requests[: len(self.requests) - _KEEP_REQUESTS]

    def _fault(self, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.count > 0 and fault.operation in (operation, "any"):
                fault.count -= 1
                return fault
        return None

    def _authorized(self, request: Request) -> bool:
        auth, header = self.auth, request.headers.get("authorization", "")
        if auth.mode == "basic":
            expected = base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode()
            return header == f"Basic {expected}"
        if auth.mode == "oauth":
            token = header.removeprefix("Bearer ")
            expiry = auth.tokens.get(token)
            return header.startswith("Bearer ") and expiry is not None and expiry > time.monotonic()
        return True

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        self.auth.token_requests += 1
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.auth.client_id
            or form.get("client_secret") != self.auth.client_secret
        ):
            return json_response(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        self.auth.tokens[token] = time.monotonic() + self.auth.token_lifetime
        return json_response(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": self.auth.token_lifetime},
        )

    def _problem(self, status: int, title: str, detail: str, request: Request) -> Response:
        document = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.path,
        }
        self._check("ProblemDetail", document, "problem-detail.yaml")
        headers = [("WWW-Authenticate", "Bearer")] if status == 401 else []
        body = json.dumps(document).encode()
        return Response(status, body, [("Content-Type", "application/problem+json"), *headers])

    def _check(self, schema: str, document: Any, file: str = "jobs.yaml") -> None:
        if self.check_answers:
            self.self_check.extend(spec.problems(schema, document, file))

    # --- control API ---

    async def _control(self, request: Request) -> Response:
        path, method = request.path[len(_CONTROL) :], request.method
        body = json.loads(request.body) if request.body else {}
        if path == "/health":
            return json_response(200, {"status": "ok"})
        if path == "/jobs" and method == "POST":
            specs = body if isinstance(body, list) else [body]
            created = [self.store.create(s) for s in specs]
            await self.store.notify()
            return json_response(200, {"jobKeys": [str(job.key) for job in created]})
        if path == "/jobs" and method == "GET":
            return json_response(200, {"jobs": [job.view() for job in self.store.jobs.values()]})
        if match := re.fullmatch(r"/jobs/(\d+)", path):
            job = self.store.jobs.get(int(match[1]))
            return json_response(200, job.view()) if job else json_response(404, {})
        if match := re.fullmatch(r"/jobs/(\d+)/(cancel|retries)", path):
            key = int(match[1])
            try:
                if match[2] == "cancel":
                    job = self.store.cancel(key)
                else:
                    job = self.store.set_retries(key, int(body["retries"]))
                    await self.store.notify()
            except Refused as exc:
                return json_response(exc.status, {"detail": exc.detail})
            return json_response(200, job.view())
        if path == "/faults" and method == "POST":
            self.faults.append(
                Fault(body["operation"], int(body["status"]), body["title"], int(body["count"]))
            )
            return json_response(200, {"faults": len(self.faults)})
        if path == "/tokens/revoke" and method == "POST":
            revoked = len(self.auth.tokens)
            self.auth.tokens.clear()
            return json_response(200, {"revoked": revoked})
        if path == "/requests" and method == "GET":
            return json_response(200, {"requests": self.requests, "invalid": self.invalid})
        if path == "/stats" and method == "GET":
            return json_response(200, self.stats())
        return json_response(404, {"detail": f"no control route {method} {path}"})

    def stats(self) -> dict[str, Any]:
        return {
            "requests": len(self.requests),
            "calls": self.counts,
            "invalid": len(self.invalid),
            "selfCheck": self.self_check[:20],
            "tokenRequests": self.auth.token_requests,
        }


def _route(request: Request) -> tuple[str | None, int | None]:
    if request.path == "/v2/jobs/activation":
        return ("activation" if request.method == "POST" else None), None
    match = _JOB_PATH.match(request.path)
    if match is None or not re.fullmatch(r"-?[0-9]{1,25}", match[1]):
        return None, None
    key, suffix = int(match[1]), match[2]
    if suffix is None:
        return ("update" if request.method == "PATCH" else None), key
    return (suffix[1:] if request.method == "POST" else None), key


def _activated(job: Any, fetch: list[str]) -> dict[str, Any]:
    variables = (
        job.variables if not fetch else {k: job.variables[k] for k in fetch if k in job.variables}
    )
    return {
        "type": job.type,
        "processDefinitionId": job.process_definition_id,
        "processDefinitionVersion": 1,
        "elementId": job.element_id,
        "customHeaders": job.custom_headers,
        "worker": job.worker,
        "retries": job.retries,
        "deadline": job.deadline,
        "variables": variables,
        "tenantId": job.tenant_id,
        "jobKey": str(job.key),
        "processInstanceKey": str(job.process_instance_key),
        "processDefinitionKey": str(job.process_definition_key),
        "elementInstanceKey": str(job.element_instance_key),
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
        "rootProcessInstanceKey": str(job.process_instance_key),
        "tags": [],
        "userTask": None,
        "priority": 0,
    }
