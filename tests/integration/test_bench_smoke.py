"""`make bench` runs end to end (tiny N): the harness works; the figures are not judged here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

TINY = {
    "b1_jobs": 40,
    "b2_jobs": 5,
    "b3_jobs": 40,
    "b3_pools": [["threads", 16]],
    "b4_pending": 20,
    "b4_landing_s": 1,
    "default_concurrency": 16,
    "engine_jobs": 20,
    "engine_sequential": 3,
}


@pytest.mark.timeout(300)
def test_bench_runs_end_to_end_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    argv = [sys.executable, "-m", "bench", "--quick", "--out", str(out)]
    argv += [f"--set={k}={json.dumps(v)}" for k, v in TINY.items()]

    done = subprocess.run(argv, capture_output=True, text=True, timeout=280, check=False)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    for key in (
        "b1_ratio",
        "b2_p50_ms",
        "b2_p99_ms",
        "b3_ratio_to_direct",
        "b3_cpu_ms_per_job",
        "b4_requests_per_inference",
        "b4_p95_s",
        "b5_rss_mb",
        "engine_ratio",
        "engine_added_p50_ms",
    ):
        assert isinstance(report[key], int | float), key
        assert isinstance(report["targets"][key]["met"], bool), key
    # A ratio target carries its reference's multiple, so the table explains itself.
    assert report["targets"]["b2_p50_ms"]["ratio"] is not None
    assert isinstance(report["figures"]["b3_direct_cpu_ms_per_call"], float)
    assert isinstance(report["met"], bool)
    assert report["figures"]["b4_results"] == 20
    assert report["figures"]["b1_failed"] == 0
