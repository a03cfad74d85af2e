"""worker/broker.py replaces three methods of kombu's Redis channel and calls two more of its
internals. Their source is fingerprinted here, so a kombu upgrade that changes any of them
fails this test, with what to re-check, instead of silently changing message delivery."""

from __future__ import annotations

import hashlib
import inspect

import kombu
import pytest
from kombu.transport import redis as kombu_redis

from worker import broker

KOMBU_VERSION = "5.7.0"
# method of kombu.transport.redis.Channel → sha256 of its source, first 16 hex digits
FINGERPRINTS = {
    "_brpop_read": "c42518699709f2df",  # replaced: a copy, plus the unreadable-item check
    "_get": "be26a9f1eb4cf8da",  # replaced: the same check on the polling path
    "_create_client": "dae92bc4075dafb9",  # wrapped: one client per channel
    "_brpop_start": "06723d707ddf2240",  # issues the BRPOP our _brpop_read reads
    "_flush_brpop_reauth": "bb4930b4fd3cf8f3",  # called from our _brpop_read
}


def fingerprint(name: str) -> str:
    source = inspect.getsource(getattr(kombu_redis.Channel, name))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(FINGERPRINTS))
def test_the_kombu_methods_our_channel_depends_on_are_unchanged(name: str) -> None:
    assert fingerprint(name) == FINGERPRINTS[name], (
        f"kombu {kombu.__version__} changed Channel.{name} (fingerprinted on {KOMBU_VERSION}). "
        f"Compare it with worker/broker.py's Channel (_brpop_read and _get are copies with the "
        f"dead-letter check added; _create_client caches one client), port the change, run "
        f"tests/integration/test_faults.py, then update FINGERPRINTS and the pins in "
        f"pyproject.toml."
    )


def test_our_channel_overrides_exactly_the_fingerprinted_methods() -> None:
    ours = {
        name
        for name, value in vars(broker.Channel).items()
        if callable(value) and hasattr(kombu_redis.Channel, name)
    }
    assert ours == {"_brpop_read", "_get", "_create_client"}
    assert ours <= set(FINGERPRINTS)


def test_a_changed_method_would_be_caught() -> None:
    # The fingerprint reads the live source: a different function has a different one.
    assert fingerprint("_get") != fingerprint("_brpop_read")
