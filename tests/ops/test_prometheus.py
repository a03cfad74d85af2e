"""The alert rules: promtool's own unit tests, the metric names they use, their runbook."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.ops.conftest import OPS, load_yaml, run, tool

RULES_DIR = OPS / "prometheus"
RUNBOOK = OPS / "README.md"

ROOT = OPS.parent
# The metric names the code defines: per process (worker/metrics.py: workers, poller) and
# from `smq exporter` (producer/exporter.py). Read from the source, so a renamed metric
# breaks the rules' check here rather than an alert in production.
METRICS = {
    name
    for source in (ROOT / "worker" / "metrics.py", ROOT / "producer" / "exporter.py")
    for name in re.findall(r'"(smq_[a-z_]+)"', source.read_text())
}


def promtool() -> str:
    return tool("promtool", "apt-get install prometheus")


def alert_rules() -> list[dict[str, object]]:
    groups = load_yaml(RULES_DIR / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_rule_unit_tests_pass_under_promtool() -> None:
    # Given the rules and their tests; When promtool runs them; Then every case passes.
    result = run([promtool(), "test", "rules", "alerts_test.yml"], cwd=RULES_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_prometheus_config_and_rules_load() -> None:
    result = run([promtool(), "check", "config", "prometheus.yml"], cwd=RULES_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_changed_threshold_fails_the_rule_tests(tmp_path: Path) -> None:
    # Given alerts.yml with the workers-absent condition inverted
    for name in ("alerts.yml", "alerts_test.yml"):
        shutil.copy(RULES_DIR / name, tmp_path / name)
    rules = (tmp_path / "alerts.yml").read_text()
    assert "expr: smq_workers_alive == 0" in rules
    (tmp_path / "alerts.yml").write_text(
        rules.replace("expr: smq_workers_alive == 0", "expr: smq_workers_alive > 0")
    )
    # When promtool runs the same tests; Then they fail, naming the alert
    result = run([promtool(), "test", "rules", "alerts_test.yml"], cwd=tmp_path)
    assert result.returncode != 0
    assert "SmqWorkersAbsent" in result.stdout + result.stderr


def test_a_rule_that_does_not_parse_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "alerts.yml"
    broken.write_text((RULES_DIR / "alerts.yml").read_text().replace("> 300", "> > 300", 1))
    result = run([promtool(), "check", "rules", str(broken)])
    assert result.returncode != 0


def test_rules_use_only_metric_names_the_code_defines() -> None:
    assert len(METRICS) >= 19  # the scan found the definitions
    # A misspelt name (smq_worker_alive) would make an alert silently never fire.
    for rule in alert_rules():
        used = set(re.findall(r"\bsmq_[a-z_]+\b", str(rule["expr"])))
        assert used, rule["alert"]
        assert used <= METRICS, f"{rule['alert']}: unknown metrics {used - METRICS}"


def test_every_alert_has_severity_summary_and_a_runbook_section() -> None:
    headings = {
        re.sub(r"[^a-z0-9-]", "", line.lstrip("#").strip().lower().replace(" ", "-"))
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("#")
    }
    for rule in alert_rules():
        labels = rule["labels"]
        annotations = rule["annotations"]
        assert isinstance(labels, dict) and isinstance(annotations, dict)
        assert labels["severity"] in {"warning", "critical"}, rule["alert"]
        assert annotations["summary"], rule["alert"]
        runbook = str(annotations["runbook"])
        assert runbook == f"ops/README.md#{str(rule['alert']).lower()}", rule["alert"]
        assert runbook.split("#", 1)[1] in headings, f"no section in ops/README.md: {runbook}"


@pytest.mark.parametrize("alert", sorted({str(r["alert"]) for r in alert_rules()}))
def test_every_alert_is_exercised_by_the_rule_tests(alert: str) -> None:
    tests = (RULES_DIR / "alerts_test.yml").read_text()
    assert f"alertname: {alert}\n" in tests
