"""The benchmark's judgement of its figures: ratio targets bound by the same run's reference,
and the Markdown table the README's figures are pasted from."""

from __future__ import annotations

from typing import Any

from bench.markdown import table
from bench.targets import Target, judge_all

TARGETS = {
    "b2_p50_ms": Target("<=", 1.5, of="b2_noop_ms"),
    "b3_ratio": Target(">=", 0.8),
    "b4_p95_s": Target("<=", 1.0),
}


def test_a_ratio_target_is_bound_by_the_reference_measured_in_the_same_run() -> None:
    judged = judge_all(TARGETS, {"b2_p50_ms": 3.2, "b2_noop_ms": 2.0, "b3_ratio": 0.79})
    assert judged["b2_p50_ms"] == {
        "target": "<= 1.5 x b2_noop_ms",
        "bound": 3.0,
        "value": 3.2,
        "ratio": 1.6,
        "met": False,
    }
    assert judged["b3_ratio"]["met"] is False
    assert "b4_p95_s" not in judged  # not measured: not judged
    assert "b2_p50_ms" not in judge_all(TARGETS, {"b2_p50_ms": 3.2})  # no reference, no verdict


def report(time: str, figures: dict[str, Any]) -> dict[str, Any]:
    return {"machine": {"time": time}, "targets": judge_all(TARGETS, figures)}


def test_the_table_has_a_column_per_run_and_says_what_held() -> None:
    runs = [
        report("t1", {"b2_p50_ms": 2.8, "b2_noop_ms": 2.0, "b4_p95_s": 0.9}),
        report("t2", {"b2_p50_ms": 3.2, "b2_noop_ms": 2.0}),
    ]
    lines = table(runs).splitlines()
    assert lines[0] == "| figure | target | run t1 | run t2 |"
    assert (
        lines[2] == "| `b2_p50_ms` | <= 1.5 x b2_noop_ms | 2.8 (1.4x) met | 3.2 (1.6x) **missed** |"
    )
    assert lines[3] == "| `b4_p95_s` | <= 1 | 0.9 met | — |"
