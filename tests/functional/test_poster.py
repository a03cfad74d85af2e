"""The poller's posting thread against a real Redis: results put from many reading threads are
all posted, and a batch that cannot be posted is logged and dropped, never left hanging."""

from __future__ import annotations

import json
import threading
import uuid

from redis import Redis
from structlog.testing import capture_logs

from producer.connection import RedisClient
from producer.keys import ASYNC_DUE
from worker.poller import completion
from worker.poller.pending import Pending, PendingStore
from worker.poller.poster import Poster
from worker.sagemaker.asynchronous import Started
from worker.settings import WorkerSettings


def pending(job_id: str) -> Pending:
    context = {"id": job_id, "headers": {"resultVariable": "out"}, "correlation": {"k": 1}}
    started = Started(job_id, f"s3://b/o/{job_id}.out", "")
    return Pending(job_id, json.dumps(context), "invoked", started, 0.0, 0, "d", 1, None, 0.0)


def test_results_put_from_many_threads_are_each_posted_once_flush_returns(
    redis: RedisClient, settings: WorkerSettings
) -> None:
    stream = f"functional:poster:{uuid.uuid4().hex[:8]}"
    settings = settings.model_copy(update={"result_stream": stream})
    poster = Poster(redis, settings, PendingStore(redis, settings.job_ttl_seconds))
    ids = [f"post-{uuid.uuid4().hex[:8]}-{i}" for i in range(200)]
    redis.zadd(ASYNC_DUE, dict.fromkeys(ids, 1.0))

    def put(chunk: list[str]) -> None:
        for job_id in chunk:
            p = pending(job_id)
            poster.put(p, completion.output_result(p, b'{"ok": 1}', "application/json", 9))

    threads = [threading.Thread(target=put, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    poster.flush()

    posted = [f["id"] for _, f in redis.xrange(stream)]
    assert sorted(posted) == sorted(ids)
    assert poster.posted == 200
    assert redis.zmscore(ASYNC_DUE, ids) == [None] * 200  # no longer tracked
    poster.close()


def test_a_batch_redis_refuses_is_logged_and_dropped_and_flush_still_returns() -> None:
    down: RedisClient = Redis.from_url("redis://127.0.0.1:1/0", decode_responses=True)
    settings = WorkerSettings(redis_url="redis://127.0.0.1:1/0")
    poster = Poster(down, settings, PendingStore(down, settings.job_ttl_seconds))
    p = pending("job-down")

    with capture_logs() as logs:
        poster.put(p, completion.output_result(p, b"{}", "application/json", 2))
        poster.flush()

    assert poster.posted == 0
    [failed] = [e for e in logs if e["event"] == "poller_post_failed"]
    assert failed["results"] == 1
    poster.close()  # the thread survived the failure: it takes the stop and exits
