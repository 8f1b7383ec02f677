"""The production stack's smoke test: docker-compose.yml's own commands, run on this machine.

No Docker daemon runs here, so each service's command and environment are read from
docker-compose.yml and run as processes: `migrate` (scripts/migrate.sh), `web` (gunicorn via
scripts/serve.sh), `worker` (huey) and `chat` (the streams), with SHOP_ENV=production on
PostgreSQL and Redis; the health checks are the compose file's too. A small proxy plays Caddy
(TLS ended, X-Forwarded-* set, Host kept), localstripe plays Stripe, and an aiosmtpd sink
that insists on STARTTLS plays the mail server. A sandbox purchase must end with its
confirmation email received over SMTP.

Run it alone with scripts/smoke-production.sh.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe
import yaml
from sqlalchemy import create_engine, text

from shop import ROOT
from tests.factories import STRIPE_KEYS, WEBHOOK_SECRET
from tests.machine import free_port, stop_all
from tests.servers import SmtpSink

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("localstripe")]

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SITE = "shop.test"
CUSTOMER = {"email": "ada@example.com", "name": "Ada Lovelace",
            "address": {"line1": "1 Kefir Lane", "city": "Bath", "postcode": "BA1 1AA"}}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
              "proxy-authorization", "proxy-authenticate", "content-length"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def interpolate(value: str, operator: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}, from the operator's settings."""

    def one(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if operator.get(name):
            return operator[name]
        if kind == "?":
            pytest.fail(f"compose would stop: {name} is unset ({rest})")
        return rest if kind == "-" else ""

    return _VARIABLE.sub(one, value)


def service_environment(name: str, operator: dict[str, str]) -> dict[str, str]:
    """What compose gives the service: set values interpolated, bare names passed through."""
    environment = {}
    for key, value in COMPOSE["services"][name]["environment"].items():
        if value is None:
            if operator.get(key):
                environment[key] = operator[key]
        else:
            environment[key] = interpolate(str(value), operator)
    return environment


def on_this_machine(command: list[str], ports: dict[str, int]) -> list[str]:
    """The compose command with its container addresses replaced by free loopback ports."""
    joined = json.dumps(command)
    for inside, port in ports.items():
        joined = joined.replace(inside, f"127.0.0.1:{port}")
    return json.loads(joined)


class CaddyLike(ThreadingHTTPServer):
    """Plays deploy/Caddyfile: HTTPS ended in front, X-Forwarded-* set, the Host kept."""

    daemon_threads = True

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        super().__init__(("127.0.0.1", free_port()), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and not k.lower().startswith("x-forwarded-")}
        headers.update({"Host": SITE, "X-Forwarded-Host": SITE, "X-Forwarded-Proto": "https",
                        "X-Forwarded-For": self.client_address[0]})
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=60)
        upstream.request(self.command, self.path, body or None, headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PATCH = do_DELETE = _forward

    def log_message(self, *args) -> None:
        pass


class Browser:
    """A customer's JSON client: keeps the shop's cookies, Secure ones included (the proxy
    stands for HTTPS)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
        )
        try:
            response = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        payload = response.read()
        return response.status, json.loads(payload) if payload else {}


class Stack:
    """The compose services as processes; each one's output in the test's folder."""

    def __init__(self, folder: Path, environment: dict[str, str]) -> None:
        self.folder = folder
        self.environment = environment
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []
        #: The operator's settings (.env), and what differs on this machine from compose's.
        self.operator: dict[str, str] = {}
        self.local: dict[str, str] = {}

    def env(self, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**self.environment, **service_environment(name, self.operator), **self.local,
                **(extra or {})}

    def run(self, name: str, command: list[str], extra: dict | None = None) -> str:
        """A one-shot command; its output, or the test fails with it."""
        done = subprocess.run(command, env=self.env(name, extra), cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
        assert done.returncode == 0, f"{name}: {command} failed:\n{done.stdout[-3000:]}"
        return done.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        self.logs.append(log)
        process = subprocess.Popen(command, env=self.env(name), cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def healthy(self, name: str, ports: dict[str, int], timeout: float = 90) -> None:
        """Poll the service's own compose health check until it passes."""
        test = COMPOSE["services"][name]["healthcheck"]["test"]
        command = on_this_machine(test[1:] if test[0] == "CMD" else ["sh", "-c", test[1]], ports)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run(command, env=self.env(name), cwd=ROOT, capture_output=True,
                              timeout=60).returncode == 0:
                return
            time.sleep(1)
        logs = (self.folder / f"{name}.log").read_text()[-3000:]
        pytest.fail(f"{name} never passed its health check {command}:\n{logs}")

    def stop(self) -> None:
        stop_all(self.processes, timeout=30)
        for log in self.logs:
            log.close()


@pytest.fixture
def stack(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Stack]:
    import redis

    empty_database(postgres_url)  # migrate starts from an empty database, as on day one
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
    bin_dir = str(Path(sys.executable).parent)
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("STRIPE_", "SMTP_", "SHOP_", "SECRET_", "DATABASE_",
                                   "REDIS_", "MAIL_", "TRUSTED_", "SEED_"))}
    stack = Stack(tmp_path, {**base, "PATH": f"{bin_dir}:{base.get('PATH', '')}"})
    yield stack
    stack.stop()
    empty_database(postgres_url)


def empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def test_the_compose_services_run_a_sandbox_purchase_to_its_email_over_smtp(
    stack: Stack, localstripe: str, postgres_url: str, redis_url: str, tmp_path: Path
):
    services = COMPOSE["services"]
    web_port, chat_port = free_port(), free_port()
    ports = {"0.0.0.0:8000": web_port, "127.0.0.1:8000": web_port,
             "0.0.0.0:8001": chat_port, "127.0.0.1:8001": chat_port}
    with SmtpSink() as sink:
        # What the operator puts in .env; compose's own values (SHOP_ENV=production,
        # TRUSTED_PROXY_COUNT=1, EMBEDDED_WORKER=0…) come from docker-compose.yml.
        stack.operator = {
            "SECRET_KEY": "s" * 64, "POSTGRES_PASSWORD": "unused-here", "SITE_ADDRESS": SITE,
            **STRIPE_KEYS, "STRIPE_API_BASE": localstripe,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_CA_FILE": str(sink.cert),
            "MAIL_FROM": "Kefir Shop <orders@shop.test>", "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
        # Only the service names differ here: compose's db and redis hosts, its /data volume.
        stack.local = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                       "UPLOADS_DIR": str(tmp_path / "data/uploads"),
                       "ORIGINALS_DIR": str(tmp_path / "data/originals")}

        # Production refuses to start without a required setting, and says which.
        refused = subprocess.run(
            ["flask", "--app", "shop", "check-services"], cwd=ROOT, text=True,
            env={**stack.env("worker"), "SMTP_HOST": ""}, capture_output=True,
        )
        assert refused.returncode != 0 and "set SMTP_HOST" in refused.stdout + refused.stderr

        # migrate: the schema and information pages, and no demo data unless asked.
        stack.run("migrate", services["migrate"]["command"])
        engine = create_engine(postgres_url)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM products")) == 0
            assert conn.scalar(text("SELECT count(*) FROM shop_pages")) > 0
        stack.run("migrate", services["migrate"]["command"], {"SEED_DEMO": "1"})
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM products")) > 0
        engine.dispose()

        stack.start("web", on_this_machine(services["web"]["command"], ports))
        stack.start("worker", services["worker"]["command"])
        stack.start("chat", on_this_machine(services["chat"]["command"], ports))
        for name in ("web", "chat", "worker"):
            stack.healthy(name, ports)

        with CaddyLike(web_port) as proxy:
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            # Stripe sends its events to the shop's public address, through the proxy.
            urllib.request.urlopen(urllib.request.Request(localstripe + "/_config/data",
                                                          method="DELETE"))
            urllib.request.urlopen(
                localstripe + "/_config/webhooks/production-smoke",
                data=f"url={proxy.url}/stripe/webhook&secret={WEBHOOK_SECRET}".encode(),
            )
            customer = Browser(proxy.url)
            status, _ = customer.call("POST", "/api/v1/basket/items",
                                      {"slug": "kefir-soap-bar", "quantity": 2})
            assert status == 201
            status, placed = customer.call("POST", "/api/v1/checkout", CUSTOMER)
            assert status == 201, placed
            number = placed["order"]["number"]
            assert placed["status_url"].startswith(f"https://{SITE}/orders/{number}")

            sdk = stripe.StripeClient(STRIPE_KEYS["STRIPE_SECRET_KEY"],
                                      base_addresses={"api": localstripe})
            card = sdk.v1.payment_methods.create(params={"type": "card", "card": {
                "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
            intent = placed["payment"]["payment_intent_id"]
            sdk.v1.payment_intents.update(intent, params={"payment_method": card.id})
            sdk.v1.payment_intents.confirm(intent)

            deadline = time.monotonic() + 90
            subject = f"Your Kefir Shop order {number}"
            while time.monotonic() < deadline:
                if any(message["Subject"] == subject for message in sink.messages):
                    break
                time.sleep(0.5)
            else:
                logs = "\n".join((tmp_path / f"{n}.log").read_text()[-2000:]
                                 for n in ("web", "worker"))
                pytest.fail(f"no confirmation email reached the SMTP sink:\n{logs}")
            order_path = placed["status_url"].removeprefix(f"https://{SITE}")
            api_path = order_path.replace(f"/orders/{number}", f"/api/v1/orders/{number}")
            status, order = customer.call("GET", api_path)
            assert status == 200 and order["status"] == "paid"

            # A Host outside TRUSTED_HOSTS, straight at web, is refused.
            refused = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
            refused.request("GET", "/robots.txt", headers={"Host": "evil.example"})
            assert refused.getresponse().status == 400
            proxy.shutdown()

    [message] = [m for m in sink.messages if m["Subject"] == subject]
    assert message["To"] == CUSTOMER["email"] and message["From"] == "Kefir Shop <orders@shop.test>"
    assert number in message.get_body(("plain",)).get_content()
    assert number in message.get_body(("html",)).get_content()
