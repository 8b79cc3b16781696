"""Prometheus metrics of the service (exposed on ``GET /metrics``)."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMENTS_CHECKED = Counter("saring_comments_checked_total", "Comments checked", ["decision", "source"])
CHECK_LATENCY = Histogram(
    "saring_check_seconds", "Time to check one comment (classify + store)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
REDIS_ERRORS = Counter("saring_redis_errors_total", "Redis operations that failed and were skipped (fail open)", ["operation"])
REDIS_CIRCUIT_OPENED = Counter("saring_redis_circuit_opened_total",
                               "Times a worker stopped calling Redis for a while after a connection error or timeout")
MODEL_SWAPS = Counter("saring_model_swaps_total", "Times this worker switched to another model version")
MODEL_LOAD_FAILURES = Counter("saring_model_load_failures_total", "Published model versions this worker refused to load")
MODEL_INFO = Gauge("saring_model_loaded", "1 for the model version this worker serves", ["version"])
USAGE_WRITE_FAILURES = Counter("saring_usage_write_failures_total", "Usage counter increments the database did not store")
SHADOW_DECISIONS = Counter("saring_shadow_decisions_total",
                           "Decisions computed for sites in shadow mode (each was answered accept)", ["would_be"])
