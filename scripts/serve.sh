#!/usr/bin/env bash
# Serve the shop under gunicorn with several workers, as production does.
# WSGI_APP picks another app factory (the benchmark adds its ceiling page that way).
set -euo pipefail
cd "$(dirname "$0")/.."

metrics="$(printf '%s' "${METRICS_ENABLED:-}" | tr '[:upper:]' '[:lower:]')"
if [[ "$metrics" =~ ^(1|true|yes|on)$ ]]; then
  # Gunicorn's workers are separate processes: prometheus-client adds up their counts
  # through files in this directory, which must start empty.
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d -t shop-metrics.XXXXXX)}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -name '*.db' -delete
fi

# The project's virtualenv when there is one (make run), else the PATH's (the Docker image).
gunicorn=.venv/bin/gunicorn
[ -x "$gunicorn" ] || gunicorn=gunicorn

# The app writes one JSON line per request itself, so gunicorn's access log stays off.
exec "$gunicorn" "${WSGI_APP:-shop:create_app()}" \
  --config scripts/gunicorn.conf.py \
  --bind "${BIND:-127.0.0.1:${PORT:-5000}}" --workers "${WEB_CONCURRENCY:-3}" \
  --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}"
