"""Settings for the benchmarks: the project's own, with the bench-only URL map (bench/bench_urls.py)."""

from servicecenter.settings import *  # noqa: F403 — the very same settings, one line changed

ROOT_URLCONF = "bench.bench_urls"
