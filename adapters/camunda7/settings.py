"""Settings of the Camunda 7 / Operaton / CIB seven adapter: ``SMQ_CAMUNDA7_*``, parsed once
at start."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# FetchAndLockHandlerImpl.MAX_REQUEST_TIMEOUT: the engine refuses a longer long poll.
MAX_POLL_SECONDS = 1800.0


def _blank_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


OptStr = Annotated[str | None, BeforeValidator(_blank_none)]
OptSecret = Annotated[SecretStr | None, BeforeValidator(_blank_none)]


class Camunda7Settings(BaseSettings):
    """The adapter's settings; each field is the environment variable ``SMQ_CAMUNDA7_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="SMQ_CAMUNDA7_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    url: str = Field(
        "http://localhost:8080/engine-rest",
        description="The engine's REST API (`/engine-rest` on Camunda 7 Run, Operaton and CIB "
        "seven).",
    )
    topics: Annotated[list[str], NoDecode, BeforeValidator(_split)] = Field(
        ["aws-sagemaker"],
        min_length=1,
        description="External task topics to fetch, comma-separated (one fetchAndLock asks "
        "for all of them).",
    )
    tenant_ids: Annotated[list[str], NoDecode, BeforeValidator(_split)] = Field(
        [],
        description="Fetch only tasks of these tenants, comma-separated (`tenantIdIn`; tasks "
        "without a tenant are then left out); empty: every tenant.",
    )
    username: OptStr = Field(None, description="HTTP basic auth user (with `PASSWORD`).")
    password: OptSecret = Field(None, description="HTTP basic auth password.")
    token: OptSecret = Field(
        None, description="Bearer token instead of basic auth (an OAuth2-protected REST API)."
    )
    worker_id: str = Field(
        "smq-camunda7",
        min_length=1,
        description="`workerId` of every call; give all replicas the same one (the engine "
        "accepts a report only from the worker id holding the task's lock, and any replica may "
        "report any result).",
    )
    lock_duration: float = Field(
        60.0,
        ge=1,
        description="Seconds a fetched task stays locked for us; the adapter extends the lock "
        "every third of it while the task runs.",
    )
    poll_timeout: float = Field(
        20.0,
        ge=0,
        le=MAX_POLL_SECONDS,
        description="Long-polling `asyncResponseTimeout` of a fetch, seconds (0: none; the "
        "engine allows 1800). SIGTERM may wait this long for a pending fetch.",
    )
    tasks_in_flight: int = Field(
        256,
        ge=1,
        le=10_000,
        description="Tasks one adapter process holds at once (locked, not yet reported); a "
        "fetch asks for the free slots only (`maxTasks`).",
    )
    max_backlog: int = Field(
        2000,
        ge=1,
        description="Fetch nothing while more queue jobs than this wait for a worker "
        "(`jobsWaiting` of `smq status`).",
    )
    default_retries: int = Field(
        3,
        ge=0,
        le=100,
        description="A task's retries on its first fetch (the engine says `null`) when the "
        "activity has no `retries` extension property.",
    )
    report_threads: int = Field(8, ge=1, le=256, description="Results reported at once.")
    request_timeout: float = Field(
        10.0, gt=0, description="HTTP timeout of the calls other than fetchAndLock, seconds."
    )
    consumer_name: OptStr = Field(
        None,
        description="This replica's name in the result stream's consumer group; keep it "
        "stable across restarts (default: host name).",
    )
    result_stream: str = Field(
        "smq:results:camunda7", description="Result stream (`replyTo`) of the adapter's jobs."
    )
    job_id_prefix: str = Field(
        "c7",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$",
        description="Queue job ids are `<prefix>:<task id>:<attempt>`; give each engine "
        "sharing one Redis its own.",
    )
    result_claim_seconds: float = Field(
        30.0,
        ge=1,
        description="Results left unacknowledged by a replica that died are taken over after "
        "this many seconds.",
    )
    backoff_initial: float = Field(
        0.5, gt=0, description="First wait after a failed engine call (doubles, jittered)."
    )
    backoff_max: float = Field(30.0, gt=0, description="Cap of the wait between engine calls.")
    shutdown_seconds: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM: how long to keep reporting results of held tasks before exiting.",
    )

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Camunda7Settings:
        if (self.username is None) != (self.password is None):
            raise ValueError("SMQ_CAMUNDA7_USERNAME and SMQ_CAMUNDA7_PASSWORD go together")
        if self.token is not None and self.username is not None:
            raise ValueError("give SMQ_CAMUNDA7_TOKEN or SMQ_CAMUNDA7_USERNAME/PASSWORD, not both")
        return self

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")
