#!/usr/bin/env bash
# Serve the shop under gunicorn with several workers, as production does, with its background
# jobs beside it. With no Stripe keys in the environment, start the embedded Stripe sandbox
# (localstripe) and wire the shop to it.
# WSGI_APP picks another app factory (the benchmark adds its ceiling page that way).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-5000}"

metrics="$(printf '%s' "${METRICS_ENABLED:-}" | tr '[:upper:]' '[:lower:]')"
if [[ "$metrics" =~ ^(1|true|yes|on)$ ]]; then
  # Gunicorn's workers are separate processes: prometheus-client adds up their counts
  # through files in this directory, which must start empty.
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d -t shop-metrics.XXXXXX)}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -name '*.db' -delete
fi

# The project's virtualenv when there is one (make run), else the PATH's (the Docker image).
bin=.venv/bin
[ -x "$bin/gunicorn" ] || bin="$(dirname "$(command -v gunicorn)")"

if [ -z "${STRIPE_SECRET_KEY:-}${STRIPE_PUBLISHABLE_KEY:-}${STRIPE_WEBHOOK_SECRET:-}${STRIPE_API_BASE:-}" ] \
   && [ -x "$bin/localstripe" ]; then
  SANDBOX_PORT="${STRIPE_SANDBOX_PORT:-8420}"
  export STRIPE_API_BASE="http://127.0.0.1:${SANDBOX_PORT}"
  export STRIPE_SECRET_KEY="sk_test_sandbox"
  export STRIPE_PUBLISHABLE_KEY="pk_test_sandbox"
  export STRIPE_WEBHOOK_SECRET="whsec_sandbox_$("$bin/python" -c 'import secrets; print(secrets.token_hex(16))')"
  export STRIPE_SANDBOX=1
  mkdir -p instance
  "$bin/localstripe" --port "$SANDBOX_PORT" >instance/localstripe.log 2>&1 &
  SANDBOX_PID=$!
  trap 'kill $SANDBOX_PID 2>/dev/null' EXIT INT TERM
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$STRIPE_API_BASE/v1/charges" && break
    sleep 0.2
  done
  curl -sf -o /dev/null -X POST "$STRIPE_API_BASE/_config/webhooks/shop" \
    --data-urlencode "url=http://127.0.0.1:${PORT}/stripe/webhook" \
    --data-urlencode "secret=${STRIPE_WEBHOOK_SECRET}"
  echo "Stripe sandbox (localstripe) on $STRIPE_API_BASE; pay with 4242 4242 4242 4242."
fi

# The background jobs (expiring unpaid orders, sending email, purging baskets) run beside the
# web server, unless they run as a service of their own (EMBEDDED_WORKER=0, docker-compose).
if [ "${EMBEDDED_WORKER:-1}" != "0" ]; then
  "$bin/flask" --app shop worker &
  WORKER_PID=$!
fi

# Live chat's streams get a threaded server of their own on the next port (CHAT_STREAM_PORT),
# so the sync workers below never wait on an open stream; pages reach it on the same host.
# CHAT_STREAMS=external: another service serves them behind the same origin (docker-compose).
if [ "${CHAT_STREAMS:-embedded}" != "external" ]; then
  export CHAT_STREAM_PORT="${CHAT_STREAM_PORT:-$((PORT + 1))}"
  scripts/serve-streams.sh &
  STREAMS_PID=$!
  echo "Chat streams on port $CHAT_STREAM_PORT."
fi

# The app writes one JSON line per request itself, so gunicorn's access log stays off.
"$bin/gunicorn" "${WSGI_APP:-shop:create_app()}" \
  --config scripts/gunicorn.conf.py \
  --bind "${BIND:-127.0.0.1:${PORT}}" --workers "${WEB_CONCURRENCY:-3}" \
  --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}" &
GUNICORN_PID=$!
# Stopping the server stops the worker and the streams too (the worker finishes its job first).
stop() { kill $GUNICORN_PID ${WORKER_PID:-} ${STREAMS_PID:-} ${SANDBOX_PID:-} 2>/dev/null; wait; }
trap stop EXIT INT TERM
wait $GUNICORN_PID
