"""The ``[auth]`` settings as a typed object: ``AuthConfig.from_settings(settings)``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gis.errors import ValidationError

MIN_AUDIT_KEEP_DAYS = 180   # DESIGN.md §9: the audit trail is kept at least 180 days


@dataclass(frozen=True)
class AuthConfig:
    """Sign-in, session and audit settings (units in the names: minutes, days, KiB, s)."""

    password_min_length: int = 10
    password_min_classes: int = 3
    password_max_age_days: int = 90
    max_failures: int = 5
    lock_minutes: float = 15
    idle_minutes: float = 30
    totp_required_roles: tuple[str, ...] = ("account_admin", "auditor")
    totp_issuer: str = "护校安园态势图"
    trusted_header: str = ""
    trusted_proxies: tuple[str, ...] = ()
    audit_keep_days: int = 180
    rate_limit_address: int = 20
    rate_limit_account: int = 10
    rate_window_minutes: float = 15
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    session_touch_s: float = 30
    session_recheck_s: float = 5
    secret_key_file: str = ""

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> AuthConfig:
        """Build from ``settings.section("auth")`` (defaults when ``settings`` is None).

        Unknown keys and values out of range are refused with a message naming the key.
        """
        section = dict(settings.section("auth")) if settings is not None else {}
        section.update(overrides)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            msg = (f"[auth] 中有未知设置项：{', '.join(unknown)} / unknown [auth] keys: "
                   f"{', '.join(unknown)}; known: {', '.join(sorted(known))}")
            raise ValidationError(msg)
        for key in ("totp_required_roles", "trusted_proxies"):
            if key in section:
                section[key] = tuple(str(v) for v in section[key])
        config = cls(**section)
        if config.audit_keep_days < MIN_AUDIT_KEEP_DAYS:
            msg = (f"[auth] audit_keep_days 不得少于 {MIN_AUDIT_KEEP_DAYS} 天 / audit_keep_days must be "
                   f"at least {MIN_AUDIT_KEEP_DAYS} (got {config.audit_keep_days})")
            raise ValidationError(msg)
        for key in ("password_min_length", "max_failures", "lock_minutes", "idle_minutes",
                    "rate_limit_address", "rate_limit_account", "rate_window_minutes"):
            if getattr(config, key) <= 0:
                msg = f"[auth] {key} 必须大于 0 / [auth] {key} must be positive"
                raise ValidationError(msg)
        return config
