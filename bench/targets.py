"""What each figure is held to: a bound, or a multiple of another figure of the same run.

A ratio target compares two figures measured minutes apart on the same machine (Celery's own
no-op round trip, boto3 alone in one process), so it says what the service adds, not how fast
this machine was that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    op: str  # "<=" or ">="
    limit: float
    of: str | None = None  # the bound is ``limit`` times this figure of the same run

    def bound(self, figures: dict[str, Any]) -> float | None:
        """The figure's bound in this run; None when the reference was not measured."""
        if self.of is None:
            return self.limit
        reference = figures.get(self.of)
        return None if reference is None else self.limit * float(reference)

    def judge(self, value: float, figures: dict[str, Any]) -> dict[str, Any] | None:
        """The report's entry for the figure: target, bound, value (and ratio), met."""
        bound = self.bound(figures)
        if bound is None:
            return None
        met = value >= bound if self.op == ">=" else value <= bound
        entry: dict[str, Any] = {"target": self.describe(), "bound": round(bound, 3)}
        entry["value"] = value
        if self.of is not None:
            reference = float(figures[self.of])
            entry["ratio"] = round(value / reference, 3) if reference else None
        entry["met"] = met
        return entry

    def describe(self) -> str:
        if self.of is None:
            return f"{self.op} {self.limit:g}"
        return f"{self.op} {self.limit:g} x {self.of}"


def judge_all(targets: dict[str, Target], figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every measured figure that has a target, judged."""
    judged = {}
    for key, target in targets.items():
        if key in figures:
            entry = target.judge(figures[key], figures)
            if entry is not None:
                judged[key] = entry
    return judged
