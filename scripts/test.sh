#!/usr/bin/env bash
# One command from a fresh machine to the whole test suite:
#   bash scripts/test.sh [pytest args]
# Installs system packages when root on Debian (PostGIS, pgRouting, Chromium, poppler),
# the pinned Python requirements into .venv, then runs ruff and pytest.
# PostGIS tests use $TEST_DATABASE_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test);
# under CI=true they must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_test_deps.sh
bash scripts/setup_venv.sh requirements-dev.txt
.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest -q "$@"
status=$?
set -e
if [ "$status" = 5 ]; then echo "no tests collected" >&2; exit 1; fi
exit "$status"
