#!/usr/bin/env bash
# System packages the tests need: PostGIS + pgRouting for PostgreSQL 15, Chromium for the
# browser tests, poppler-utils for pdftotext/pdffonts, a CJK font. Installs only as root on
# Debian; elsewhere it says what is missing and the tests that need it skip (never under CI=true).
set -uo pipefail
PKGS="postgresql-15-postgis-3 postgresql-15-pgrouting chromium chromium-driver poppler-utils"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "not root or not Debian; missing system packages:$missing" >&2
  fi
fi
# PostgreSQL: start the local cluster when it is installed but not running.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | head -1)
  [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi
exit 0
