"""Credentials for the REST calls: none, HTTP basic, or an OAuth client-credentials token
cached until shortly before it expires (never fetched per call)."""

from __future__ import annotations

import base64
import threading
import time
from typing import Protocol

import httpx
import structlog

from adapters.camunda8.settings import CamundaConnection
from adapters.errors import EngineUnavailable

log = structlog.get_logger("adapters.camunda8.auth")


class Credentials(Protocol):
    def headers(self) -> dict[str, str]: ...

    def invalidate(self) -> None:
        """The engine answered 401 with the current credentials: fetch new ones next time."""


class NoCredentials:
    def headers(self) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        return None


class BasicCredentials:
    def __init__(self, username: str, password: str) -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}

    def headers(self) -> dict[str, str]:
        return self._headers

    def invalidate(self) -> None:
        return None


class OAuthToken:
    """A client-credentials token shared by all threads; one fetch at a time."""

    def __init__(
        self, http: httpx.Client, url: str, client_id: str, secret: str, audience: str
    ) -> None:
        self._http = http
        self._url = url
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "audience": audience,
        }
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                self._fetch()
            return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        try:
            response = self._http.post(self._url, data=self._form)
        except httpx.TransportError as exc:
            raise EngineUnavailable(f"token endpoint unreachable: {exc}") from exc
        if response.status_code != 200:
            raise EngineUnavailable(
                "token request refused", status=response.status_code, detail=response.text[:200]
            )
        document = response.json()
        lifetime = float(document.get("expires_in") or 300)
        # Renew a little before expiry (10%, at most 30 s), so no call carries a token that
        # expires on the way.
        self._renew_at = time.monotonic() + lifetime - min(30.0, lifetime / 10)
        self._token = str(document["access_token"])
        self.fetches += 1
        log.info("oauth_token_fetched", expires_in=lifetime, fetches=self.fetches)


def credentials(connection: CamundaConnection, http: httpx.Client) -> Credentials:
    strategy = connection.strategy
    if strategy == "BASIC":
        assert connection.basic_auth_username and connection.basic_auth_password
        return BasicCredentials(
            connection.basic_auth_username, connection.basic_auth_password.get_secret_value()
        )
    if strategy == "OAUTH":
        assert connection.client_id and connection.client_secret
        return OAuthToken(
            http,
            connection.oauth_url,
            connection.client_id,
            connection.client_secret.get_secret_value(),
            connection.token_audience,
        )
    return NoCredentials()
