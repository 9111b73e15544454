#!/usr/bin/env bash
# One command from a fresh machine to the running app on the embedded demo (SQLite, no server).
#   bash scripts/run_demo.sh            # then open http://localhost:8501
# serve.py = app.py + the server-side HttpOnly session cookie route (gis/ui/session_route.py).
# Env: PORT (default 8501), AREA (guixi | shenzhen-dayun | beijing-haidian).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
.venv/bin/python -m gis init
.venv/bin/python -m gis demo --area "${AREA:-guixi}"
exec .venv/bin/streamlit run serve.py --server.port "${PORT:-8501}" --server.headless true \
  --browser.gatherUsageStats false --global.developmentMode false
