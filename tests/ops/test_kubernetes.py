"""ops/kubernetes: every object against Kubernetes' strict schemas (kubernetes-validate) or
the vendored KEDA schemas, and the wiring between them, offline."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.ops.conftest import OPS, ROOT, load_yaml, load_yaml_documents
from worker.settings import WorkerSettings as Settings

MANIFESTS = OPS / "kubernetes"
# The oldest minor still common in managed clusters, and the newest kubernetes-validate knows.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
KEDA_SCHEMAS = {
    "ScaledObject": "scaledobject-keda.sh-v1alpha1.json",
    "TriggerAuthentication": "triggerauthentication-keda.sh-v1alpha1.json",
}
# KEDA's redis (lists) scaler metadata keys (keda.sh/docs/2.16/scalers/redis-lists/). The CRD
# types `metadata` as a map of strings, so no schema catches a misspelt key.
REDIS_TRIGGER_KEYS = {
    "address", "addressFromEnv", "host", "hostFromEnv", "port", "portFromEnv",
    "usernameFromEnv", "passwordFromEnv", "listName", "listLength", "activationListLength",
    "enableTLS", "unsafeSsl", "databaseIndex",
}  # fmt: skip
SETTINGS = Settings.model_fields


def manifest_files() -> list[Path]:
    return sorted(MANIFESTS.glob("*.yaml"))


def objects(*files: Path) -> list[dict[str, Any]]:
    chosen = files or tuple(f for f in manifest_files() if f.name != "kustomization.yaml")
    return [doc for path in chosen for doc in load_yaml_documents(path)]


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects() if o["kind"] == kind}


def strict(schema: Any) -> Any:
    """additionalProperties: false wherever an object lists its properties and says nothing
    about others (kubeconform's strict mode), so a misspelt field is an error."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [strict(v) for v in schema]
    return schema


def keda_errors(document: dict[str, Any]) -> list[str]:
    path = ROOT / "schema/vendor/keda" / KEDA_SCHEMAS[document["kind"]]
    validator = jsonschema.Draft202012Validator(strict(json.loads(path.read_text())))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def validate(document: dict[str, Any], version: str) -> None:
    if document["kind"] in KEDA_SCHEMAS:
        assert document["apiVersion"] == "keda.sh/v1alpha1"
        assert keda_errors(document) == []
    else:
        kubernetes_validate.validate(document, version, strict=True)


def containers(name: str) -> list[dict[str, Any]]:
    return list(by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"])


# --- schemas --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(
    # kustomization.yaml is no API object: test_kustomization_lists_every_manifest covers it
    "path",
    [p for p in manifest_files() if p.name != "kustomization.yaml"],
    ids=lambda p: p.name,
)
def test_every_manifest_validates(path: Path, version: str) -> None:
    for document in objects(path):
        validate(document, version)


def test_a_misspelt_kubernetes_field_is_rejected() -> None:
    worker = copy.deepcopy(by_kind("Deployment")["smq-worker"])
    pod = worker["spec"]["template"]["spec"]
    pod["terminationGracePeriodSecond"] = pod.pop("terminationGracePeriodSeconds")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, K8S_VERSIONS[-1], strict=True)


def test_a_wrongly_typed_kubernetes_field_is_rejected() -> None:
    pdb = copy.deepcopy(by_kind("PodDisruptionBudget")["smq-worker"])
    pdb["spec"]["selector"] = "app=worker"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pdb, K8S_VERSIONS[-1], strict=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("minReplicas", 1), ("maxReplicaCount", "twenty"), ("scaleTargetRef", None)],
)
def test_a_broken_scaled_object_is_rejected(field: str, value: Any) -> None:
    scaled = copy.deepcopy(by_kind("ScaledObject")["smq-worker"])
    if value is None:
        del scaled["spec"][field]
    else:
        scaled["spec"][field] = value
    assert keda_errors(scaled) != []


def test_a_misspelt_redis_trigger_key_is_caught() -> None:
    trigger = copy.deepcopy(redis_trigger())
    trigger["metadata"]["listname"] = trigger["metadata"].pop("listName")
    assert set(trigger["metadata"]) - REDIS_TRIGGER_KEYS == {"listname"}


def test_kustomization_lists_every_manifest() -> None:
    kustomization = load_yaml(MANIFESTS / "kustomization.yaml")
    listed = set(kustomization["resources"])
    present = {p.name for p in manifest_files()} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == present
    assert "secret.example.yaml" not in listed  # passwords are created by hand, never applied


# --- wiring ---------------------------------------------------------------------------------


def redis_trigger() -> dict[str, Any]:
    triggers = by_kind("ScaledObject")["smq-worker"]["spec"]["triggers"]
    assert len(triggers) == 1
    return dict(triggers[0])


def test_keda_scales_the_workers_on_the_queue_list() -> None:
    scaled = by_kind("ScaledObject")["smq-worker"]
    assert scaled["spec"]["scaleTargetRef"]["name"] in by_kind("Deployment")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "smq-worker"
    # never 0: workers also move due retries back onto the queue
    assert scaled["spec"]["minReplicaCount"] >= 1
    trigger = redis_trigger()
    assert trigger["type"] == "redis"
    meta = trigger["metadata"]
    assert set(meta) <= REDIS_TRIGGER_KEYS, set(meta) - REDIS_TRIGGER_KEYS
    assert meta["listName"] == SETTINGS["queue"].default
    assert meta["listName"] == by_kind("ConfigMap")["smq"]["data"]["SMQ_QUEUE"]
    for key in ("listLength", "activationListLength", "enableTLS"):
        assert isinstance(meta[key], str), key  # KEDA's metadata values are strings
    assert int(meta["listLength"]) > 0 and int(meta["activationListLength"]) >= 0
    # the address comes from the worker's environment: the ConfigMap must carry it
    assert meta["addressFromEnv"] in by_kind("ConfigMap")["smq"]["data"]
    auth = by_kind("TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    assert {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]} == {"password"}


@pytest.mark.parametrize("role", ["worker", "poller"])
def test_worker_and_poller_are_probed_with_smq_health(role: str) -> None:
    (container,) = containers(f"smq-{role}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        command = container[probe]["exec"]["command"]
        assert command[:4] == ["smq", "health", "--role", role], (probe, command)
        assert "--this-host" in command
    # a Redis restart must not restart the pool: liveness outlasts the Redis retry window
    liveness = container["livenessProbe"]
    tolerated = liveness["periodSeconds"] * liveness["failureThreshold"]
    assert tolerated > SETTINGS["redis_retry_seconds"].default


@pytest.mark.parametrize("role", ["worker", "poller"])
def test_grace_period_exceeds_the_longest_call(role: str) -> None:
    pod = by_kind("Deployment")[f"smq-{role}"]["spec"]["template"]["spec"]
    longest = SETTINGS["connect_timeout"].default + SETTINGS["read_timeout"].default
    assert pod["terminationGracePeriodSeconds"] > longest


def test_every_container_has_resources_and_runs_locked_down() -> None:
    for name, deployment in by_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["serviceAccountName"] in by_kind("ServiceAccount"), name
        for container in pod["containers"]:
            assert container["image"] == "sagemaker-queue", name
            assert container["resources"]["requests"]["memory"], name
            assert container["resources"]["limits"]["memory"], name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name


def test_the_worker_replica_count_is_left_to_keda() -> None:
    assert "replicas" not in by_kind("Deployment")["smq-worker"]["spec"]


def test_exporter_and_flower_run_once() -> None:
    for name in ("smq-exporter", "smq-flower"):
        spec = by_kind("Deployment")[name]["spec"]
        assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate", name


def test_services_and_budgets_select_existing_pods_and_ports() -> None:
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in by_kind("Deployment").items()
    }

    def selected(selector: dict[str, str]) -> list[str]:
        return [n for n, labels in pods.items() if selector.items() <= labels.items()]

    for name, service in by_kind("Service").items():
        (target,) = selected(service["spec"]["selector"])
        ports = {p["name"] for c in containers(target) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, (name, port)
    for name, budget in by_kind("PodDisruptionBudget").items():
        assert len(selected(budget["spec"]["selector"]["matchLabels"])) == 1, name


def test_config_and_secret_references_exist() -> None:
    configmaps = by_kind("ConfigMap")
    secrets = {o["metadata"]["name"]: o for o in objects(MANIFESTS / "secret.example.yaml")}
    for name in by_kind("Deployment"):
        for container in containers(name):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps, name
                else:
                    assert source["secretRef"]["name"] in secrets, name
            for variable in container.get("env", []):
                ref = variable["valueFrom"]["secretKeyRef"]
                assert ref["key"] in secrets[ref["name"]]["stringData"], (name, ref)
    auth = by_kind("TriggerAuthentication")["smq-redis"]
    for ref in auth["spec"]["secretTargetRef"]:
        assert ref["key"] in secrets[ref["name"]]["stringData"]


def test_flower_auth_is_required_not_optional() -> None:
    (container,) = containers("smq-flower")
    auth = next(v for v in container["env"] if v["name"] == "FLOWER_BASIC_AUTH")
    assert auth["valueFrom"]["secretKeyRef"].get("optional", False) is False
    assert by_kind("Service")["smq-flower"]["spec"]["type"] == "ClusterIP"


def test_manifests_are_plain_yaml_without_duplicate_keys() -> None:
    # PyYAML keeps the last of two equal keys; a duplicate usually hides a mistake.
    class Strict(yaml.SafeLoader):
        pass

    def no_duplicates(loader: Strict, node: yaml.MappingNode) -> dict[Any, Any]:
        keys = [loader.construct_object(k) for k, _ in node.value]
        assert len(keys) == len(set(keys)), f"duplicate key at line {node.start_mark.line + 1}"
        return dict(loader.construct_mapping(node))

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    for path in manifest_files():
        list(yaml.load_all(path.read_text(), Loader=Strict))
