"""Process-engine adapters: the engine side of the queue.

Engine-neutral pieces here — the durable per-engine-job record (``records.py``), the bounded
activation loop (``activation.py``), result → engine outcome (``outcome.py``), the reporting
loop (``reporting.py``), deadline extension (``deadlines.py``), jittered backoff
(``backoff.py``), the engine error tree (``errors.py``), the connector's variables
(``connector.py``) and one adapter process wired (``runtime.py``); one sub-package per engine
(``camunda8/``, ``camunda7/``). Adapters use only the producer's public API, never ``worker``.
"""
