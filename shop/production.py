"""What production insists on before it serves anyone: its settings, the hosts it answers
to, and who may read /metrics."""

from __future__ import annotations

import ipaddress
import secrets

from flask import Flask, abort, current_app, request

#: Settings production cannot run without, and why each matters.
REQUIRED = {
    "SECRET_KEY": "signs sessions, CSRF tokens and order links",
    "REDIS_URL": "rate limits, the cache and the job queue shared by every process",
    "STRIPE_SECRET_KEY": "takes payments",
    "STRIPE_PUBLISHABLE_KEY": "the payment form",
    "STRIPE_WEBHOOK_SECRET": "verifies that Stripe sent the payment events",
    "SMTP_HOST": "sends the order emails",
    "MAIL_FROM": "the sender of the order emails",
    "TRUSTED_HOSTS": "the host names links and emails are built from",
}
MIN_SECRET_KEY_LENGTH = 32
#: Paths probed by address (a load balancer's health check, Prometheus inside the network):
#: answered whatever the Host header, since they build no URL from it.
HOST_FREE_PATHS = frozenset({"/healthz", "/metrics"})


def missing_settings(config: dict) -> list[str]:
    """What stops this configuration running in production, one line per setting."""
    problems = [f"{name} ({why})" for name, why in REQUIRED.items() if not config.get(name)]
    key = config.get("SECRET_KEY") or ""
    if key and len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY (at least {MIN_SECRET_KEY_LENGTH} characters; it has "
                        f"{len(key)})")
    return problems


def check(config: dict) -> None:
    """Refuse to start production without its settings, naming every one that is missing."""
    problems = missing_settings(config)
    if problems:
        raise RuntimeError(
            "SHOP_ENV=production refuses to start; set " + "; ".join(problems) + "."
        )


class HostFreeProbes:
    """Health checks and metrics scrapes come by address (web:8000), not the shop's name.

    Flask refuses a Host outside TRUSTED_HOSTS with a 400; for these paths alone the Host is
    replaced by the first trusted one, so probes work and nothing else is loosened.
    """

    def __init__(self, wsgi_app, host: str) -> None:
        self.wsgi_app = wsgi_app
        self.host = host

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in HOST_FREE_PATHS:
            environ = {**environ, "HTTP_HOST": self.host.lstrip(".")}
        return self.wsgi_app(environ, start_response)


def _internal(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def guard_metrics() -> None:
    """/metrics: the bearer token when METRICS_TOKEN is set, else an internal address."""
    if request.endpoint != "metrics.metrics":
        return
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), token.encode()):
            abort(404)
    elif not _internal(request.remote_addr):
        abort(404)


def init_app(app: Flask) -> None:
    """Bind the host rule's probe exemption and the metrics guard."""
    if app.config["TRUSTED_HOSTS"]:
        # Inside ProxyFix (applied after this): the Host it restores is the one checked.
        app.wsgi_app = HostFreeProbes(app.wsgi_app, app.config["TRUSTED_HOSTS"][0])
    app.before_request(guard_metrics)
