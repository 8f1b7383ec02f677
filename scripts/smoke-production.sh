#!/usr/bin/env bash
# The production smoke test: docker-compose.yml's services (migrate, web, worker, chat) run as
# processes on this machine with SHOP_ENV=production, PostgreSQL, Redis, localstripe and an
# SMTP sink, and a sandbox purchase must end with its confirmation email received over SMTP.
# Needs TEST_DATABASE_URL (PostgreSQL, emptied!) and TEST_REDIS_URL (flushed!).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest -q -p no:cacheprovider tests/e2e/test_production_smoke.py "$@"
