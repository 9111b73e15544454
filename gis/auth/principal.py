"""Who is acting: a small immutable :class:`Principal` passed to the store and the core.

``SYSTEM`` is the default principal of the command line, the demo loader and the tests
(every permission, audited as ``system``). The app never uses it: its pages act as the
signed-in account's principal, built by :mod:`gis.auth.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The acting user of one request.

    Attributes
    ----------
    username : str
        Account name (``system`` for the command line, ``kiosk:NAME`` for a wall display).
    role : str
        One of ``gis.auth.policy.ROLES``.
    jurisdiction_id : str or None
        The 派出所 a ``station`` account is scoped to (``police_posts.id``).
    address : str or None
        Client address, for the audit trail.
    session_id : str or None
        Hash of the session token (never the token itself).
    """

    username: str
    role: str
    jurisdiction_id: str | None = None
    address: str | None = None
    session_id: str | None = None

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Principal("system", "system", address="local")
