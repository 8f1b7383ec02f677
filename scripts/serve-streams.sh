#!/usr/bin/env bash
# The chat's event streams (SSE), served apart from the storefront: an open stream holds one
# thread of this gthread server for as long as it lasts, never one of the storefront's sync
# workers. scripts/serve.sh starts it for `make run`; docker-compose runs it as `chat`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
[ -x "$bin/gunicorn" ] || bin="$(dirname "$(command -v gunicorn)")"
export CHAT_STREAM_SERVER=1
# Streams never finish by themselves: on stop, give them a moment, not gunicorn's 30 s.
exec "$bin/gunicorn" "${WSGI_APP:-shop:create_app()}" \
  --config scripts/gunicorn.conf.py \
  --bind "${CHAT_STREAM_BIND:-127.0.0.1:${CHAT_STREAM_PORT:-5001}}" \
  --worker-class gthread --workers "${CHAT_STREAM_WORKERS:-1}" \
  --threads "${CHAT_STREAM_THREADS:-1000}" --worker-connections 2000 \
  --graceful-timeout 3 \
  --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}"
