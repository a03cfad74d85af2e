"""Settings of the Camunda 8 adapter: the connection read the way Camunda's SDKs read it
(``CAMUNDA_*``), and the adapter's own knobs (``SMQ_CAMUNDA_*``). Parsed once at start."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from producer.contract import TASK_TYPE

AuthStrategy = Literal["NONE", "OAUTH", "BASIC"]


def _blank_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptStr = Annotated[str | None, BeforeValidator(_blank_none)]
OptSecret = Annotated[SecretStr | None, BeforeValidator(_blank_none)]


class CamundaConnection(BaseSettings):
    """Where the cluster is and how to authenticate: the variables Camunda's SDKs read."""

    model_config = SettingsConfigDict(
        env_prefix="CAMUNDA_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    rest_address: str = Field(
        "http://localhost:8080/v2",
        description="Orchestration Cluster REST API; `/v2` is appended when missing.",
    )
    auth_strategy: Annotated[AuthStrategy | None, BeforeValidator(_blank_none)] = Field(
        None,
        description="`NONE`, `OAUTH` or `BASIC`; unset: OAUTH with a client id and secret, "
        "BASIC with a username and password, else NONE.",
    )
    client_id: OptStr = Field(None, description="OAuth client id.")
    client_secret: OptSecret = Field(None, description="OAuth client secret.")
    oauth_url: str = Field(
        "https://login.cloud.camunda.io/oauth/token",
        description="OAuth token endpoint (client credentials grant).",
    )
    token_audience: str = Field("zeebe.camunda.io", description="OAuth token audience.")
    basic_auth_username: OptStr = Field(None, description="Basic auth username.")
    basic_auth_password: OptSecret = Field(None, description="Basic auth password.")
    tenant_id: OptStr = Field(
        None, description="Activate jobs of this tenant only (multi-tenant clusters)."
    )

    @model_validator(mode="after")
    def _credentials_for_strategy(self) -> CamundaConnection:
        strategy = self.strategy
        if strategy == "OAUTH" and not (self.client_id and self.client_secret):
            raise ValueError(
                "CAMUNDA_AUTH_STRATEGY=OAUTH needs CAMUNDA_CLIENT_ID and CAMUNDA_CLIENT_SECRET"
            )
        if strategy == "BASIC" and not (self.basic_auth_username and self.basic_auth_password):
            raise ValueError(
                "CAMUNDA_AUTH_STRATEGY=BASIC needs CAMUNDA_BASIC_AUTH_USERNAME and "
                "CAMUNDA_BASIC_AUTH_PASSWORD"
            )
        return self

    @property
    def strategy(self) -> AuthStrategy:
        if self.auth_strategy is not None:
            return self.auth_strategy
        if self.client_id and self.client_secret:
            return "OAUTH"
        if self.basic_auth_username and self.basic_auth_password:
            return "BASIC"
        return "NONE"

    @property
    def base_url(self) -> str:
        address = self.rest_address.rstrip("/")
        return address if address.endswith("/v2") else address + "/v2"


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Camunda8Settings(BaseSettings):
    """The adapter's knobs; each field is the environment variable ``SMQ_CAMUNDA_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="SMQ_CAMUNDA_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    job_types: Annotated[list[str], NoDecode, BeforeValidator(_split)] = Field(
        [TASK_TYPE],
        min_length=1,
        description="Job types to work on, comma-separated (give our template another type "
        "to run beside Camunda's connector runtime).",
    )
    jobs_in_flight: int = Field(
        256,
        ge=1,
        le=10_000,
        description="Engine jobs one adapter process holds at once (activated, not yet "
        "reported); an activation asks for the free slots only.",
    )
    max_backlog: int = Field(
        2000,
        ge=1,
        description="Activate nothing while more queue jobs than this wait for a worker "
        "(`jobsWaiting` of `smq status`).",
    )
    job_timeout: float = Field(
        60.0,
        ge=1,
        description="Seconds an activated job stays ours (the activation `timeout`); the "
        "adapter pushes it ahead every third of it while the job runs.",
    )
    poll_timeout: float = Field(
        20.0,
        ge=0,
        le=3600,
        description="Long-polling `requestTimeout` of an activation, seconds (0: no long polling).",
    )
    report_threads: int = Field(
        8, ge=1, le=256, description="Results reported to the engine at once."
    )
    request_timeout: float = Field(
        10.0, gt=0, description="HTTP timeout of the other engine calls, seconds."
    )
    worker_name: str = Field(
        "smq-camunda", min_length=1, description="`worker` name the engine shows for our jobs."
    )
    consumer_name: OptStr = Field(
        None,
        description="This replica's name in the result stream's consumer group; keep it "
        "stable across restarts (default: host name).",
    )
    result_stream: str = Field(
        "smq:results:camunda8", description="Result stream (`replyTo`) of the adapter's jobs."
    )
    job_id_prefix: str = Field(
        "c8",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$",
        description="Queue job ids are `<prefix>:<jobKey>:<attempt>`; give each cluster "
        "sharing one Redis its own.",
    )
    result_claim_seconds: float = Field(
        30.0,
        ge=1,
        description="Results left unacknowledged by a replica that died are taken over "
        "after this many seconds.",
    )
    backoff_initial: float = Field(
        0.5, gt=0, description="First wait after a failed engine call (doubles, jittered)."
    )
    backoff_max: float = Field(30.0, gt=0, description="Cap of the wait between engine calls.")
    shutdown_seconds: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM: how long to keep reporting results of held jobs before exiting.",
    )
