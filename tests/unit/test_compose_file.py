"""docker-compose.yml is the production stack: checked here, since no Docker daemon runs on
the machines that test it (tests/e2e/test_production_smoke.py runs its commands instead)."""

from __future__ import annotations

import re

import pytest
import yaml

from shop import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "chat")
LONG_RUNNING = [name for name in SERVICES if name != "migrate"]
#: Set by the scripts themselves, never by an operator.
SET_BY_SCRIPTS = {"STRIPE_SANDBOX", "CHAT_STREAM_PORT", "CHAT_STREAM_SERVER"}
SETTING = re.compile(r"""(?:environ\.get|_int|_bool|\benv)\(\s*"([A-Z][A-Z0-9_]+)\"""")


def settings_the_shop_reads() -> set[str]:
    """Every environment variable the shop's configuration modules read."""
    names: set[str] = set()
    for path in (ROOT / "shop" / "config.py", ROOT / "shop" / "chat" / "settings.py"):
        names |= set(SETTING.findall(path.read_text()))
    return names - SET_BY_SCRIPTS


def test_only_the_tls_proxy_publishes_ports():
    publishing = sorted(name for name, service in SERVICES.items() if service.get("ports"))
    assert publishing == ["proxy"]
    assert SERVICES["proxy"]["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= set(SERVICES["proxy"]["ports"])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check_and_restarts(name: str):
    service = SERVICES[name]
    assert service["healthcheck"]["test"], name
    assert service["restart"] in ("unless-stopped", "always"), name


def test_migrations_run_once_before_the_app_services_start():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["command"] == ["scripts/migrate.sh"]
    for name in ("web", "worker", "chat"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "db upgrade" not in str(SERVICES[name].get("command")), name


def test_the_stack_runs_the_worker_postgres_16_and_redis_7():
    assert SERVICES["worker"]["command"] == ["flask", "--app", "shop", "worker"]
    assert SERVICES["db"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"


def test_web_can_run_several_replicas_behind_the_proxy():
    web = SERVICES["web"]
    assert "container_name" not in web and "ports" not in web
    assert "replicas" in web["deploy"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a web 8000" in caddyfile and "chat:8001" in caddyfile


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_setting_reaches_every_app_service(name: str):
    environment = SERVICES[name]["environment"]
    missing = settings_the_shop_reads() - set(environment)
    assert not missing, f"{name} does not pass through {sorted(missing)}"
    assert environment["SHOP_ENV"] == "production"
    assert environment["TRUSTED_PROXY_COUNT"] == "1"
    assert environment["EMBEDDED_WORKER"] == "0"


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
             "STRIPE_WEBHOOK_SECRET", "SMTP_HOST", "MAIL_FROM", "TRUSTED_HOSTS"]
)
def test_required_settings_stop_compose_when_unset(name: str):
    assert ":?" in SERVICES["web"]["environment"][name]


def test_uploads_live_on_a_volume_shared_by_the_app_services():
    assert "uploads" in COMPOSE["volumes"]
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert "uploads:/data" in service["volumes"], name
        assert service["environment"]["UPLOADS_DIR"].startswith("/data/")
        assert service["environment"]["ORIGINALS_DIR"].startswith("/data/")


def test_the_database_and_redis_are_not_on_a_network_with_a_way_out():
    assert COMPOSE["networks"]["backend"]["internal"] is True
    assert SERVICES["db"]["networks"] == ["backend"]
    assert SERVICES["redis"]["networks"] == ["backend"]


def test_no_demo_data_is_loaded_unless_seed_demo_asks():
    for name, service in SERVICES.items():
        assert "seed-demo" not in str(service.get("command", "")), name
    assert SERVICES["migrate"]["environment"]["SEED_DEMO"] == "${SEED_DEMO:-0}"
    migrate = (ROOT / "scripts" / "migrate.sh").read_text()
    assert 'if [ "${SEED_DEMO:-0}" = "1" ]; then' in migrate
    assert "seed-demo" not in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_service_caps_its_logs(name: str):
    assert SERVICES[name]["logging"]["options"]["max-size"], name
