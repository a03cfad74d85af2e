"""``smq camunda``: the Camunda 8 adapter — a job worker on the Orchestration Cluster REST
API v2 that runs the SageMaker connector's jobs (``io.camunda:aws-sagemaker:1``) on the queue.

``settings.py`` (CAMUNDA_* connection, SMQ_CAMUNDA_* knobs), ``auth.py`` (none, basic,
OAuth client credentials), ``client.py`` (the five REST calls), ``mapping.py`` (engine job ↔
queue job, outcome → request body), ``engine.py`` (the calls the loops make), ``main.py``.
"""
