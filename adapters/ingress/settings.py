"""Settings of the ingress dispatcher (``smq ingress``), read from ``SMQ_*`` once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from producer.settings import Settings


class IngressSettings(Settings):
    """Client settings plus the dispatcher's own; each field is ``SMQ_<FIELD>``."""

    ingress_stream: str = Field(
        "smq:ingress", description="Stream any program XADDs jobs to (one JSON job per entry)."
    )
    ingress_field: str = Field("job", description="The entry field that holds the job's JSON.")
    ingress_group: str = Field(
        "smq-ingress",
        description="Consumer group of the `smq ingress` replicas; each entry goes to one.",
    )
    ingress_consumer: str | None = Field(
        None, description="This replica's consumer name (default host-pid)."
    )
    ingress_batch: int = Field(
        100, ge=1, le=10_000, description="Entries read, validated and submitted together."
    )
    ingress_block_seconds: float = Field(
        1.0, gt=0, description="How long one read waits for new entries."
    )
    ingress_claim_idle_seconds: float = Field(
        30.0,
        gt=0,
        description="An entry read by a replica that died is taken over by another after "
        "this long.",
    )

    ingress_trim: bool = Field(
        True,
        description="Each claim round, delete the entries every consumer group on the stream "
        "has acknowledged (XTRIM MINID); off if something reads it without a group.",
    )


@lru_cache(maxsize=1)
def get_ingress_settings() -> IngressSettings:
    return IngressSettings()
