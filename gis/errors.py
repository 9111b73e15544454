"""Error types of the core.

Every message is written for a planner: it names the row, the field and the fix.
Build the message first, then raise: ``msg = ...; raise ValidationError(msg)``.
"""

from __future__ import annotations


class GisError(Exception):
    """Base class of every error the core raises on purpose."""


class ValidationError(GisError):
    """Input data that breaks a rule (missing field, bad value, bad geometry)."""


class CRSError(GisError):
    """Coordinates in an unknown or unsupported reference system, or outside the area."""


class NoPathError(GisError):
    """No route exists between two places on the road network."""


class InfeasibleError(GisError):
    """A planning problem that cannot be satisfied (e.g. a time window no unit reaches)."""


class StaleVersionError(GisError):
    """A write carried an old ``version``: someone else changed the row first."""


class DataSourceError(GisError):
    """A file or database that cannot be read (missing, corrupt, wrong format)."""


class AccessDeniedError(GisError):
    """The acting account's role or jurisdiction does not allow the read or write."""


class AuthError(GisError):
    """A sign-in, session or account operation that cannot proceed (wrong password, locked
    account, expired session, weak password); the message says what to do next."""


class ConfigError(ValidationError):
    """A settings file with an unknown key or a value of the wrong kind (names the section and key)."""
