"""Run Camunda-8-modeled BPMN embedded, with SpiffWorkflow: a service task of the
SageMaker connector's type becomes a queue job; instances wait in Redis.

    from adapters.spiff import SpiffEngine, parse_model, BpmnError
"""

from adapters.spiff.engine import SpiffEngine
from adapters.spiff.errors import BpmnError
from adapters.spiff.parser import parse_model
from adapters.spiff.steps import Handler

__all__ = ["BpmnError", "Handler", "SpiffEngine", "parse_model"]
