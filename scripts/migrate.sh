#!/bin/sh
# The one-shot `migrate` service of docker-compose (and the smoke test): bring the schema up
# to date and add the missing information pages. Demo products and the blog article load only
# when SEED_DEMO=1 asks for them: a production database never gets demo stock on sale.
set -eu
cd "$(dirname "$0")/.."
bin=.venv/bin
[ -x "$bin/flask" ] || bin="$(dirname "$(command -v flask)")"
"$bin/flask" --app shop db upgrade
"$bin/flask" --app shop seed-pages
if [ "${SEED_DEMO:-0}" = "1" ]; then
  "$bin/flask" --app shop seed-demo
fi
