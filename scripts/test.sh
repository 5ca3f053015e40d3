#!/usr/bin/env bash
# The whole test run (make test): install what is missing, start throwaway Postgres and Redis, lint, then
# every test against Postgres, with a real Celery worker and headless Chromium. Fails if any of it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-packages.sh postgresql redis-server chromium fonts-noto-cjk gettext poppler-utils espeak-ng
scripts/bootstrap.sh

# The whole suite lints the whole tree first; a run of chosen tests (arguments given) lints nothing.
if [ $# -eq 0 ]; then
  echo "==> lint (ruff)"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
fi

.venv/bin/python scripts/compilemessages.py

env_lines=$(scripts/test-services.sh start)
services_dir=$(echo "$env_lines" | sed -n 's/^TEST_SERVICES_DIR=//p')
trap 'scripts/test-services.sh stop "$services_dir"' EXIT
while IFS= read -r line; do export "${line?}"; done <<<"$env_lines"
# Ordinary tests run tasks in-process; the worker tests switch to a real worker on TEST_REDIS_URL.
export REDIS_URL=$TEST_REDIS_URL CELERY_TASK_ALWAYS_EAGER=1 CACHE_URL=locmemcache://
export SERVICECENTER_NO_SKIPS=1
# Statements the tests build (the worker's and the pages') go with the throwaway services.
export PRIVATE_ROOT=$services_dir/private
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}

echo "==> pytest (PostgreSQL, Redis, Celery worker, Chromium)"
.venv/bin/pytest --durations=5 "$@"
