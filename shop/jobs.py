"""Background jobs on huey: expiring unpaid orders, sending email, refunds, purging baskets.

Each job is a plain function of the clock, shared with the CLI, and safe to run twice at once:
the database decides who does what (a guarded status change expires an order once, a claim
with a lease sends an email once). huey runs them on a schedule and on demand, retries them,
and holds a lock per job so that several workers, on one machine or many, do not run the
same job at the same time.

The queue is built from the app's configuration on first use (nothing connects at import):
Redis when JOBS_URL or REDIS_URL names one (several machines), else a SQLite file beside the
shop's database (`make run`, one machine, nothing to set up).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisExpireHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from sqlalchemy.engine import make_url

from shop.mail import deliver_outbox

log = logging.getLogger(__name__)

Now = Callable[[], datetime]
_building = threading.Lock()
#: A job's lock outlives a worker killed while holding it by at most this long (Redis only;
#: a SQLite queue serves one machine, whose worker clears stale locks when it starts).
LOCK_SECONDS = 600
#: A run that fails, or finds its job locked by another worker, is tried twice more, this far
#: apart (seconds).
RETRY_SECONDS = 5


def expire_orders(now: Now) -> int:
    """Expire unpaid orders past their hold: stock back on sale, email queued; then cancel the
    PaymentIntents of every order whose hold has ended (here or in a web request)."""
    from shop.checkout.orders import cancel_ended_intents, expire_unpaid
    from shop.payments import gateway

    expired = len(expire_unpaid(now()))
    cancel_ended_intents(now(), gateway())
    return expired


def finish_refunds(now: Now) -> int:
    """Make the refunds recorded as pending through Stripe (key refund-<number>)."""
    from shop.checkout.refunds import finish_refunds
    from shop.payments import gateway

    return finish_refunds(now(), gateway())


def send_emails(now: Now) -> int:
    """Send the queued emails that are due."""
    return deliver_outbox(now)


def purge_baskets(now: Now) -> int:
    """Delete baskets nobody has changed for 30 days."""
    from shop.basket.service import purge_stale_baskets

    return purge_stale_baskets(now())


@dataclass(frozen=True)
class Job:
    run: Callable[[Now], int]
    schedule: Callable[[datetime], bool]
    what: str  # for the log, e.g. "emails sent: 3"


#: Every job, by name. huey's crontab reads UTC.
JOBS = {
    "expire-orders": Job(expire_orders, crontab(), "unpaid orders expired: {}"),
    "send-emails": Job(send_emails, crontab(), "emails sent: {}"),
    "finish-refunds": Job(finish_refunds, crontab(), "refunds made: {}"),
    "purge-baskets": Job(purge_baskets, crontab(minute="30", hour="3"), "old baskets deleted: {}"),
}


@dataclass(frozen=True)
class Queue:
    """The app's huey instance and its tasks, by job name."""

    huey: Huey
    tasks: dict[str, TaskWrapper]
    shared: bool  # several machines may share it (Redis)


def queue(app: Flask | None = None) -> Queue:
    """The app's job queue, built on first use from its configuration."""
    app = app or current_app._get_current_object()
    if "jobs" not in app.extensions:
        with _building:
            if "jobs" not in app.extensions:
                app.extensions["jobs"] = _build(app)
    return app.extensions["jobs"]


def queue_url(app: Flask) -> str:
    """JOBS_URL, else REDIS_URL, else a SQLite file beside the database (or in instance/)."""
    config = app.config
    if config["JOBS_URL"] or config["REDIS_URL"]:
        return config["JOBS_URL"] or config["REDIS_URL"]
    database = make_url(config["DATABASE_URL"])
    if database.get_backend_name() == "sqlite" and database.database not in (None, "", ":memory:"):
        path = Path(database.database).with_suffix(".jobs.sqlite3")
    else:
        path = Path(app.instance_path) / "jobs.sqlite3"
    return f"sqlite:///{path}"


def _build(app: Flask) -> Queue:
    url = queue_url(app)
    name = app.config["RATELIMIT_KEY_PREFIX"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        pool = redis.ConnectionPool.from_url(url, **app.config["REDIS_TIMEOUTS"])
        # Not blocking: a blocking pop would outlast the short socket timeout; the worker
        # polls instead (at most a second apart when idle).
        huey: Huey = RedisExpireHuey(name, results=False, connection_pool=pool, blocking=False)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, results=False, filename=str(path))
    elif url == "memory://":
        huey = MemoryHuey(name, results=False)
    else:
        raise ValueError(f"JOBS_URL must be redis://…, sqlite:///… or memory://, not {url!r}")
    shared = isinstance(huey, RedisExpireHuey)
    tasks = {name: _task(huey, app, name, job, shared) for name, job in JOBS.items()}
    return Queue(huey, tasks, shared)


def _task(huey: Huey, app: Flask, name: str, job: Job, shared: bool) -> TaskWrapper:
    lock = huey.lock_task(name, ttl=LOCK_SECONDS if shared else None)

    def run() -> int:
        from shop.web import now

        with app.app_context(), lock:
            done = job.run(now)
        if done:
            log.info(job.what.format(done), extra={"job": name})
        return done

    run.__name__ = name.replace("-", "_")
    return huey.periodic_task(job.schedule, name=name, retries=2, retry_delay=RETRY_SECONDS)(run)


def send_soon() -> None:
    """Ask a worker to send the queued emails now, not at the next minute's run."""
    try:
        queue().tasks["send-emails"]()
    except Exception as exc:  # noqa: BLE001  (the queue is down: the minute's run still sends)
        log.warning("could not ask the jobs to send email now: %s", exc)


def run_soon(name: str) -> None:
    """Ask a worker to run the job now, not at the next minute's run (after a commit)."""
    try:
        queue().tasks[name]()
    except Exception as exc:  # noqa: BLE001  (the queue is down: the minute's run still does it)
        log.warning("could not ask the jobs to run %s now: %s", name, exc)


def run_worker(app: Flask, workers: int) -> None:
    """Run the jobs until SIGTERM or SIGINT: `workers` threads plus huey's scheduler."""
    jobs = queue(app)
    # huey's own lines (a job failed, a lock was busy) go to the shop's JSON log too.
    huey_log = logging.getLogger("huey")
    huey_log.handlers = list(logging.getLogger("shop").handlers)
    huey_log.setLevel(logging.WARNING)
    consumer = jobs.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        max_delay=1.0,
        # A lock left by a worker killed mid-job is cleared at start; Redis locks expire
        # instead, as another machine's worker may hold one right now.
        flush_locks=not jobs.shared,
        graceful_signal="TERM",
        shutdown_timeout=15,
    )
    consumer.run()
