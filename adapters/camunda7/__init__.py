"""``smq camunda7``: the Camunda 7 adapter — an external-task worker on the REST API of
Camunda 7, Operaton and CIB seven that runs SageMaker tasks (topic ``aws-sagemaker``) on the
queue: the SageMaker connector those engines never had.

``settings.py`` (SMQ_CAMUNDA7_*), ``client.py`` (the six REST calls), ``variables.py`` (typed
variables ↔ JSON), ``mapping.py`` (task ↔ queue job, outcome → request body), ``engine.py``
(the calls the loops make), ``main.py``. Everything else is shared with Camunda 8
(``adapters/``).
"""
