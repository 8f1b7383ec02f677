#!/usr/bin/env bash
# Serve the shop under gunicorn with several workers, as production does.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/gunicorn "shop:create_app()" \
  --bind "127.0.0.1:${PORT:-5000}" --workers "${WEB_CONCURRENCY:-3}" \
  --access-logfile - --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}"
