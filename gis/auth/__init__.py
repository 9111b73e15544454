"""Accounts, sign-in, roles and the audit trail (DESIGN.md §9).

Low level (imported by the store, import nothing above ``gis.errors``):

- :mod:`gis.auth.principal` — ``Principal`` (who acts) and ``SYSTEM`` (CLI, demo, tests).
- :mod:`gis.auth.policy` — roles and ``require(principal, action, layer, jurisdiction)``,
  the one permission check every read and write path calls.

Above the store:

- :mod:`gis.auth.config` — ``AuthConfig.from_settings(settings)`` (the ``[auth]`` section).
- :mod:`gis.auth.passwords` — Argon2 hashing (argon2-cffi), strength rules.
- :mod:`gis.auth.accounts` — accounts, sign-in with lock-out and rate limits, TOTP (pyotp),
  database sessions (idle timeout, one live session per account), trusted header, kiosk tokens.
- :mod:`gis.auth.audit` — events into the append-only ``audit_log``; reading and exporting it.
- :mod:`gis.auth.register` — the high-risk persons register: counts near schools for
  everyone, records for ``cleared`` accounts (every read audited), overdue reviews.
- :mod:`gis.auth.demo` — the documented demo accounts (flagged 演示账号) and register rows.
"""

from gis.auth.policy import ROLES, allowed, require
from gis.auth.principal import SYSTEM, Principal

__all__ = ["ROLES", "SYSTEM", "Principal", "allowed", "require"]
