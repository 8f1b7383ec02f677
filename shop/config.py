"""Settings read from the environment, with defaults that serve a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if value == "" else value in ("1", "true", "yes", "on")


def dev_secret_key(instance: Path) -> str:
    """Return the development secret kept in instance/, creating it once."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance: Path = INSTANCE) -> dict:
    """Build the configuration mapping from environment variables."""
    production = os.environ.get("SHOP_ENV", "development") == "production"
    return {
        "SHOP_ENV": "production" if production else "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'shop.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        # Set by scripts/serve.sh when it starts the embedded localstripe sandbox.
        "STRIPE_SANDBOX": os.environ.get("STRIPE_SANDBOX") == "1",
        "ORDER_EXPIRY_MINUTES": _int("ORDER_EXPIRY_MINUTES", 30),
        # Declined cards an order may see before it fails and its stock goes back on sale.
        "PAYMENT_MAX_ATTEMPTS": _int("PAYMENT_MAX_ATTEMPTS", 5),
        # Production names its own sender (shop.production refuses to start without one).
        "MAIL_FROM": os.environ.get("MAIL_FROM")
        or ("" if production else "Kefir Shop <orders@kefirshop.example>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        # Certificates to trust for STARTTLS besides the system's (a private relay's CA).
        "SMTP_CA_FILE": os.environ.get("SMTP_CA_FILE", ""),
        # Where emails are written as .eml files when SMTP_HOST is unset (instance/emails).
        "EMAIL_DIR": os.environ.get("EMAIL_DIR", ""),
        "EMAIL_MAX_ATTEMPTS": _int("EMAIL_MAX_ATTEMPTS", 10),
        "EMAIL_RETRY_SECONDS": _int("EMAIL_RETRY_SECONDS", 60),
        # Background jobs' queue: redis://… or sqlite:///…; unset, REDIS_URL when that is set,
        # else a SQLite file beside the shop's database.
        "JOBS_URL": os.environ.get("JOBS_URL", ""),
        "JOBS_WORKERS": _int("JOBS_WORKERS", 2),
        "DELIVERY_FEE_PENCE": _int("DELIVERY_FEE_PENCE", 395),
        "FREE_DELIVERY_OVER_PENCE": _int("FREE_DELIVERY_OVER_PENCE", 2500),
        "DISPATCH_CUTOFF": os.environ.get("DISPATCH_CUTOFF", "14:00"),
        "CHAT_HOURS": os.environ.get("CHAT_HOURS", "08:00-20:00"),
        # Who runs the shop, as the E-Commerce Regulations ask a trader to show it. The
        # defaults are a demo company: Ofcom keeps 0117 496 0xxx for drama, so the number
        # reaches nobody.
        "SHOP_NAME": os.environ.get("SHOP_NAME") or "Kefir Shop",
        "SHOP_COMPANY_NAME": os.environ.get("SHOP_COMPANY_NAME") or "Kefir Shop Ltd",
        "SHOP_COMPANY_NUMBER": os.environ.get("SHOP_COMPANY_NUMBER") or "01234567",
        "SHOP_REGISTERED_IN": os.environ.get("SHOP_REGISTERED_IN") or "England and Wales",
        "SHOP_ADDRESS": os.environ.get("SHOP_ADDRESS")
        or "Unit 4, Dairy Yard, 12 Mill Lane, Bath, BA1 1AA",
        "SHOP_EMAIL": os.environ.get("SHOP_EMAIL") or "hello@kefirshop.example",
        "SHOP_PHONE": os.environ.get("SHOP_PHONE") or "0117 496 0123",
        "SHOP_VAT_NUMBER": os.environ.get("SHOP_VAT_NUMBER", ""),
        "ADMIN_SESSION_IDLE_MINUTES": _int("ADMIN_SESSION_IDLE_MINUTES", 120),
        "ADMIN_SESSION_MAX_HOURS": _int("ADMIN_SESSION_MAX_HOURS", 8),
        "ADMIN_LOGIN_LIMIT_PER_ACCOUNT": os.environ.get(
            "ADMIN_LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"
        ),
        "ADMIN_LOGIN_LIMIT_PER_ADDRESS": os.environ.get(
            "ADMIN_LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"
        ),
        "LOW_STOCK_THRESHOLD": _int("LOW_STOCK_THRESHOLD", 5),
        "UPLOADS_DIR": os.environ.get("UPLOADS_DIR", ""),
        "ORIGINALS_DIR": os.environ.get("ORIGINALS_DIR", ""),
        "MAX_IMAGE_PIXELS": _int("MAX_IMAGE_MEGAPIXELS", 40) * 1_000_000,
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT") or "300 per minute",
        # Names this shop's counters in a Redis that other apps may share.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX") or "kefir-shop",
        "METRICS_ENABLED": _bool("METRICS_ENABLED", False),
        "CATALOGUE_CACHE_TTL": float(os.environ.get("CATALOGUE_CACHE_TTL") or 30),
        "PAGE_CACHE_TTL": float(os.environ.get("PAGE_CACHE_TTL") or 2),
        "DATABASE_PING_AFTER_IDLE": float(os.environ.get("DATABASE_PING_AFTER_IDLE") or 10),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "INFO",
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "SESSION_COOKIE_SECURE": production,
        # --- Production hardening (shop/production.py) ---
        # Host names (".example.com" for its subdomains) the shop answers to; unset, any.
        # Flask refuses other Host headers, so none can poison links, the sitemap or emails.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        # A bearer token for /metrics; without one, only private and loopback addresses.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        # Abuse limits on placing orders (shop/checkout/limits.py).
        "CHECKOUT_RATE_LIMIT": os.environ.get("CHECKOUT_RATE_LIMIT") or "10 per hour",
        "MAX_PENDING_ORDERS_PER_CLIENT": _int("MAX_PENDING_ORDERS_PER_CLIENT", 3),
        "MAX_LINE_QUANTITY": _int("MAX_LINE_QUANTITY", 99),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }


#: Every Redis call (cache, rate limits, job queue) gives up this soon: a Redis that is down
#: or unreachable costs a page half a second once, then the shop carries on without it.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

DEFAULTS: dict = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Idle connections are pinged before use (shop.extensions.ping_idle_connections), busy
    # ones are not: pool_pre_ping would cost every request a round trip.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "PRODUCTS_PER_PAGE": 12,
    # Product images are resized to these widths (WebP); Product.image names the 640 one.
    "IMAGE_WIDTHS": (320, 640, 1024),
    "JSON_SORT_KEYS": False,
    # A CSRF token lives as long as the session, not an hour: a product page left open over
    # lunch must still add to the basket.
    "WTF_CSRF_TIME_LIMIT": None,
    # Rate limits: set explicitly for every app, because Flask-Limiter's one Limiter object
    # keeps some settings from the first app it meets. Retry-After and X-RateLimit-* headers
    # tell clients when to come back; if Redis fails, each process limits on its own
    # rather than refusing every request.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_STORAGE_OPTIONS": REDIS_TIMEOUTS,
    "REDIS_TIMEOUTS": REDIS_TIMEOUTS,
    # Every wait on the mail server (connect, STARTTLS, each command) gives up after this.
    "SMTP_TIMEOUT": 10,
    # A sender holds an email this long: past it, a process that died mid-send has given it
    # back. Longer than any one send can take (a few SMTP commands of SMTP_TIMEOUT each).
    "EMAIL_LEASE_SECONDS": 120,
}
