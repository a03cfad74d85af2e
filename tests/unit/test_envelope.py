"""The queue item decodes exactly as one Celery and kombu would have sent themselves."""

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
    assert ours["headers"]["argsrepr"] == repr(("job-1",))
    assert ours["properties"]["correlation_id"] == theirs.properties["correlation_id"]


def test_the_queue_item_is_what_celery_and_kombu_store_for_send_task() -> None:
    # Given the item kombu's virtual transport stores when Celery itself sends the task
    app = Celery("t", broker="memory://")
    with app.connection() as conn:
        app.send_task(
            TASK_NAME,
            args=["job-1"],
            task_id="job-1",
            queue="smq",
            connection=conn,
            ignore_result=True,
        )
        theirs = conn.default_channel._get("smq")

    # Then ours is the same but for what differs per message or per sender
    ours = json.loads(task_message("job-1", "smq"))
    per_message = {"delivery_tag", "reply_to"}
    per_sender = {"origin", "argsrepr"}
    assert ours["body"] == theirs["body"]
    assert {k: v for k, v in ours["headers"].items() if k not in per_sender} == {
        k: v for k, v in theirs["headers"].items() if k not in per_sender
    }
    assert {k: v for k, v in ours["properties"].items() if k not in per_message} == {
        k: v for k, v in theirs["properties"].items() if k not in per_message
    }
    assert {k: ours[k] for k in ours if k not in ("headers", "properties")} == {
        k: theirs[k] for k in theirs if k not in ("headers", "properties")
    }


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
