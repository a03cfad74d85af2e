"""Settings of the SpiffWorkflow adapter (``smq spiff``), read from ``SMQ_*`` once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from producer.settings import Settings


class SpiffSettings(Settings):
    """Client settings plus the adapter's own; each field is ``SMQ_<FIELD>``."""

    spiff_result_stream: str = Field(
        "smq:spiff:results",
        description="Result stream the adapter's jobs reply to; `smq spiff run` reads it.",
    )
    spiff_group: str = Field(
        "smq-spiff",
        description="Consumer group of the `smq spiff run` replicas; each result goes to one.",
    )
    spiff_consumer: str | None = Field(
        None,
        description="This replica's consumer name (default host-pid). A fixed name lets a "
        "restarted replica take back the results it had read at once.",
    )
    spiff_claim_idle_seconds: float = Field(
        30.0,
        gt=0,
        description="A result read by a replica that died is taken over by another after "
        "this long.",
    )
    spiff_outbox_grace_seconds: float = Field(
        10.0,
        gt=0,
        description="Jobs of an instance saved this long ago and not yet confirmed as "
        "submitted (the process died in between) are submitted again by `smq spiff run`.",
    )
    spiff_poll_seconds: float = Field(
        1.0,
        gt=0,
        description="How long `smq spiff run` waits for results before its housekeeping "
        "(the outbox, jobError backoffs that are due).",
    )

    spiff_keep_finished_seconds: float = Field(
        7 * 86400.0,
        ge=0,
        description="A completed or cancelled instance is deleted this long after it ended "
        "(0: kept forever); waiting ones and incidents are kept.",
    )


@lru_cache(maxsize=1)
def get_spiff_settings() -> SpiffSettings:
    return SpiffSettings()
