"""A stand-in Camunda 8 engine for tests and benchmarks: the five job calls of the
Orchestration Cluster REST API v2 and an OAuth token endpoint, every request validated
against the vendored schemas (``schema/vendor/camunda-rest-v2``).

``jobs.py`` (the job life cycle), ``spec.py`` (schema validators), ``api.py`` (routes and
the ``/_camunda8`` control API), ``control.py`` (a stdlib client for it), ``__main__.py``.
Not Zeebe: no BPMN, one job per "instance"; an error thrown is taken as caught.
"""
