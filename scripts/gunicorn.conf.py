"""Gunicorn settings shared by `make run`, the benchmark, the tests and the Docker image."""

import os


def child_exit(server, worker):
    """A dead worker's Prometheus counts stay in the totals; its live gauges must go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
