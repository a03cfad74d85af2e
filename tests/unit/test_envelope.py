"""The hand-built task message decodes exactly as Celery's own would."""

from __future__ import annotations

import json

from celery import Celery
from kombu.transport.virtual import Message

from producer.envelope import task_message
from producer.keys import TASK_NAME


def test_message_round_trips_through_kombu_and_celery_protocol_2() -> None:
    app = Celery("t", broker="memory://")
    raw = json.loads(task_message("job-1", "smq"))

    message = Message(raw, channel=app.connection().default_channel)
    args, kwargs, embed = message.decode()

    assert message.headers["task"] == TASK_NAME
    assert message.headers["id"] == "job-1"
    assert message.delivery_info["routing_key"] == "smq"
    assert (args, kwargs) == (["job-1"], {})
    assert embed["callbacks"] is None


def test_message_headers_match_what_celery_sends() -> None:
    app = Celery("t", broker="memory://")
    ours = json.loads(task_message("job-1", "smq"))
    theirs = app.amqp.as_task_v2("job-1", TASK_NAME, args=["job-1"], ignore_result=True)

    assert set(ours["headers"]) == set(theirs.headers)
    assert ours["properties"]["correlation_id"] == theirs.properties["correlation_id"]


def test_each_message_has_its_own_delivery_tag() -> None:
    first = json.loads(task_message("a", "q"))["properties"]["delivery_tag"]
    second = json.loads(task_message("a", "q"))["properties"]["delivery_tag"]
    assert first != second


def test_a_batch_message_carries_the_ids_as_arguments_under_its_own_task_id() -> None:
    app = Celery("t", broker="memory://")
    raw = json.loads(task_message(["a", "b", "c"], "smq"))

    message = Message(raw, channel=app.connection().default_channel)
    args, kwargs, _ = message.decode()

    assert (args, kwargs) == (["a", "b", "c"], {})
    assert message.headers["id"].startswith("batch-")
    assert message.headers["argsrepr"] == repr(("a", "b", "c"))
