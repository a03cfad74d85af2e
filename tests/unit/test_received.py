"""``worker.received``: which messages are begun at receipt, and the table the task reads."""

from __future__ import annotations

from typing import Any

import pytest
from celery.concurrency import get_implementation

from producer.keys import MAX_IDS_PER_MESSAGE, TASK_NAME
from worker.received import Received, enable, message_job_ids
from worker.store import Begun


def begun(job_id: str, attempts: int = 1) -> Begun:
    return Begun(job_id, "{}", "invoking", attempts, None, None)


def on() -> Received:
    table = Received(limit=3)
    table.enabled = True
    return table


def headers(task_id: str = "j1", task: str = TASK_NAME) -> dict[str, Any]:
    return {"task": task, "id": task_id}


def test_a_job_message_is_wanted_with_its_ids_once_each() -> None:
    assert on().wanted(headers("batch-1"), [["a", "b", "a"], {}, {}]) == ("batch-1", ("a", "b"))


@pytest.mark.parametrize(
    ("head", "payload"),
    [
        (headers(task="bench.ping"), [["a"], {}, {}]),  # another task
        (headers(), [["a"], {"x": 1}, {}]),  # kwargs: malformed, the task answers it
        (headers(), [[], {}, {}]),
        (headers(), [["a", 3], {}, {}]),
        (headers(), [["a", ""], {}, {}]),
        (headers(), [["a"] * (MAX_IDS_PER_MESSAGE + 1), {}, {}]),
        (headers(), {"args": ["a"]}),  # not protocol 2
        ({"task": TASK_NAME}, [["a"], {}, {}]),  # no task id
        (None, [["a"], {}, {}]),
    ],
)
def test_anything_else_is_left_to_the_task(head: Any, payload: Any) -> None:
    assert on().wanted(head, payload) is None


def test_nothing_is_wanted_while_disabled() -> None:
    assert Received().wanted(headers(), [["a"], {}, {}]) is None


def test_records_are_taken_once_and_only_for_the_same_jobs() -> None:
    table = on()
    table.put("j1", ("j1",), [begun("j1")])
    assert table.take("j1", ["other"]) is None  # same task id, other jobs: not these records
    table.put("j1", ("j1",), [begun("j1")])
    assert table.take(None, ["j1"]) is None
    assert table.take("j1", ["j1"]) == [begun("j1")]
    assert table.take("j1", ["j1"]) is None


def test_a_redelivery_replaces_what_the_earlier_delivery_left() -> None:
    table = on()
    table.put("j1", ("j1",), [begun("j1", attempts=1)])
    table.put("j1", ("j1",), [begun("j1", attempts=2)])
    assert table.take("j1", ["j1"]) == [begun("j1", attempts=2)]


def test_records_never_taken_are_dropped_oldest_first() -> None:
    table = on()
    for n in range(5):
        table.put(f"j{n}", (f"j{n}",), [begun(f"j{n}")])
    assert table.take("j0", ["j0"]) is None and table.take("j1", ["j1"]) is None
    assert [table.take(f"j{n}", [f"j{n}"]) is not None for n in (2, 3, 4)] == [True] * 3


@pytest.mark.parametrize(
    ("pool", "enabled"), [("threads", True), ("solo", True), ("prefork", False)]
)
def test_only_pools_that_run_tasks_in_the_receiving_process_begin_at_receipt(
    pool: str, enabled: bool
) -> None:
    from worker.received import RECEIVED

    try:
        enable(get_implementation(pool))
        assert RECEIVED.enabled is enabled
    finally:
        RECEIVED.enabled = False


def test_message_job_ids_is_the_tasks_own_rule() -> None:
    assert message_job_ids(("a", "b"), {}) == ("a", "b")
    assert message_job_ids(("a", "b", "a"), {}) == ("a", "b")  # a job named twice runs once
    assert message_job_ids((), {}) is None
