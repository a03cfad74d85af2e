"""A stand-in Camunda 7 engine for tests and benchmarks: the external-task calls of its REST
API (fetchAndLock with long polling, complete, failure, bpmnError, extendLock, unlock), every
request validated against the DTO templates of its published OpenAPI document
(``schema/vendor/camunda7-rest``) and the engine's own checks.

``tasks.py`` (the task life cycle), ``variables.py`` (typed values as the engine reads them),
``spec.py`` (the DTO templates rendered to schemas), ``api.py`` (routes and the
``/_camunda7`` control API), ``control.py`` (a stdlib client for it), ``__main__.py``.
Not an engine: no BPMN, one task per "instance"; a BPMN error is taken as caught.
"""
