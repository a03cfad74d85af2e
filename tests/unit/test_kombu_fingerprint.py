"""worker/broker.py replaces three methods of kombu's Redis channel and its QoS's ``append``,
and calls two more of the channel's internals. Their source is fingerprinted here, so a kombu
upgrade that changes any of them fails this test, with what to re-check, instead of silently
changing message delivery."""

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
# kombu.transport.redis.QoS.append: a copy in our QoS, with the jobs' begin in its pipeline
QOS_APPEND = "35c655f6ecc62fe6"


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


def test_the_qos_append_our_qos_copies_is_unchanged() -> None:
    source = inspect.getsource(kombu_redis.QoS.append)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == QOS_APPEND, (
        f"kombu {kombu.__version__} changed QoS.append (fingerprinted on {KOMBU_VERSION}). "
        f"worker/broker.py's QoS.append is a copy with the jobs' begin added to its pipeline: "
        f"port the change, run tests/functional/test_begin_at_receipt.py, update QOS_APPEND."
    )


def test_our_channel_overrides_exactly_the_fingerprinted_methods() -> None:
    ours = {
        name
        for name, value in vars(broker.Channel).items()
        if callable(value) and hasattr(kombu_redis.Channel, name)
    }
    assert ours == {"_brpop_read", "_get", "_create_client", "QoS"}
    assert ours - {"QoS"} <= set(FINGERPRINTS)
    qos = {n for n, v in vars(broker.QoS).items() if callable(v) and hasattr(kombu_redis.QoS, n)}
    assert qos == {"append"}


def test_a_changed_method_would_be_caught() -> None:
    # The fingerprint reads the live source: a different function has a different one.
    assert fingerprint("_get") != fingerprint("_brpop_read")
