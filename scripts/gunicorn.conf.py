"""Gunicorn settings shared by `make run`, the benchmark, the tests and the Docker image."""

import os

# Gunicorn's control socket has one default path per user, which every instance on the
# machine (tests start several, the benchmark three) would fight over; nothing here uses it.
control_socket_disable = True


def child_exit(server, worker):
    """A dead worker's Prometheus counts stay in the totals; its live gauges must go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
