"""Gunicorn settings shared by `make run`, the benchmark, the tests and the Docker image."""

import os

# Gunicorn's control socket has one default path per user, which every instance on the
# machine (tests start several, the benchmark three) would fight over; nothing here uses it.
control_socket_disable = True

# A request stuck longer than this is killed. The slowest a request may rightly take is a
# checkout's call to Stripe: 10 s per try and one retry (shop/payments.py), so 30 s is above
# it; nothing else a request does waits on the network (email and the rest are jobs).
timeout = 30
graceful_timeout = 30


def child_exit(server, worker):
    """A dead worker's Prometheus counts stay in the totals; its live gauges must go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
