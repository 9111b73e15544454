"""Roles and the one permission check of the core: :func:`require`.

Every read and write path of the store calls :func:`require` with the acting
:class:`~gis.auth.principal.Principal`; pages and other packages call it (or
:func:`allowed`) before offering an action, so the core and the UI agree. New packages
(records, scenarios, ...) call ``require(principal, "write", layer="inspections",
jurisdiction=...)`` and need nothing else.

Roles (DESIGN.md §1, §9)
------------------------
viewer         reads every non-restricted layer
planner        also imports, edits, plans and exports (all non-restricted layers)
station        派出所: edits schools, crossings and work records of its own jurisdiction
cleared        reads (and keeps) the high-risk persons register ``risk_persons``
education      教育局: reads; edits the schools' checklist fields; records self-checks
governance     综治办: reads (joint work, notices)
account_admin  manages accounts and nothing else (no map data, no audit trail)
auditor        reads the audit trail and nothing else
kiosk          a wall display: reads non-restricted layers for the wall, changes nothing
system         the command line, the demo loader and tests (everything)

Actions: ``read``, ``write``, ``import``, ``export``, ``plan``, ``manage_accounts``,
``read_audit``. ``layer`` names a table (the six layers, ``risk_persons`` and the work
records); ``jurisdiction`` is the 派出所 id of the row concerned.
"""

from __future__ import annotations

from collections.abc import Iterable

from gis.auth.principal import Principal
from gis.errors import AccessDeniedError

ROLES: dict[str, tuple[str, str]] = {
    "viewer": ("只读用户", "viewer"),
    "planner": ("治安大队规划员", "planner"),
    "station": ("派出所用户", "police station"),
    "cleared": ("涉密授权民警", "cleared officer"),
    "education": ("教育局用户", "education bureau"),
    "governance": ("综治办用户", "governance office"),
    "account_admin": ("账号管理员", "account administrator"),
    "auditor": ("审计管理员", "audit administrator"),
    "kiosk": ("大屏", "wall display"),
    "system": ("系统", "system"),
}
ACCOUNT_ROLES = tuple(r for r in ROLES if r not in ("kiosk", "system"))
ACTIONS = ("read", "write", "import", "export", "plan", "manage_accounts", "read_audit")

RESTRICTED_LAYERS = frozenset({"risk_persons"})
RECORD_LAYERS = frozenset({"inspections", "notices", "visits", "drills"})
STATION_LAYERS = frozenset({"schools", "crossings"}) | RECORD_LAYERS
# The schools' checklist the education bureau keeps (DESIGN.md §3); location, identity,
# jurisdiction and the police's own fields (high_risk, officer_*) stay with the police.
EDUCATION_SCHOOL_FIELDS = frozenset({
    "id", "enrollment", "boarding", "guards", "equipment_complete", "video_networked",
    "one_click_alarm", "anti_ram_barrier", "complex_area", "gatekeepers", "guards_certified",
    "equipment_items", "intrusion_alarm", "electronic_patrol", "monitor_room_24h",
    "night_duty_24h", "enclosed", "parent_waiting_zone", "legal_vice_principal",
})
EDUCATION_LAYERS = frozenset({"schools", "inspections"})  # inspections: the schools' self-checks
SCOPED_ROLES = frozenset({"station"})   # write only rows of their own jurisdiction
READERS = frozenset({"viewer", "planner", "station", "cleared", "education", "governance",
                     "kiosk", "system"})
# Saved siting scenarios (issue 15): the joint meeting reads them, planners alone write them
# (a scenario is a county-wide plan: no station scope); the wall display shows none.
PLANNING_LAYERS = frozenset({"scenarios"})


def _why(principal: Principal, action: str, layer: str | None) -> str:
    role_zh, role_en = ROLES.get(principal.role, (principal.role, principal.role))
    what = f"{action}" + (f" {layer}" if layer else "")
    return (f"账号 {principal.username}（{role_zh}）无权执行此操作（{what}），如需权限请联系账号管理员 / "
            f"account {principal.username} ({role_en}) may not {what}; ask the account administrator")


def allowed(principal: Principal, action: str, layer: str | None = None,
            jurisdiction: str | None = None, *, fields: Iterable[str] | None = None) -> bool:
    """True when :func:`require` would pass (for showing or hiding an action)."""
    try:
        require(principal, action, layer, jurisdiction, fields=fields)
    except AccessDeniedError:
        return False
    return True


def require(principal: Principal, action: str, layer: str | None = None,
            jurisdiction: str | None = None, *, fields: Iterable[str] | None = None) -> None:
    """Refuse what the principal's role does not allow.

    Parameters
    ----------
    principal : Principal
        The acting account.
    action : str
        One of ``ACTIONS``.
    layer : str, optional
        The table read or written.
    jurisdiction : str, optional
        The 派出所 id of the row written (checked for ``station`` accounts; a row with no
        jurisdiction is outside every station's scope).
    fields : iterable of str, optional
        The columns written (checked for ``education`` accounts).

    Raises
    ------
    AccessDeniedError
        With a message naming the account, its role, the action and what to do.
    """
    role = principal.role
    if role == "system":
        return
    if action not in ACTIONS:
        msg = f"未知操作 {action!r} / unknown action {action!r}"
        raise AccessDeniedError(msg)
    restricted = layer in RESTRICTED_LAYERS
    ok = False
    if action == "read":
        ok = role in READERS and (not restricted or role == "cleared") \
            and not (layer in PLANNING_LAYERS and role == "kiosk")
    elif action == "write":
        if restricted:
            ok = role == "cleared"
        elif role == "planner":
            ok = True
        elif role == "station":
            ok = layer in STATION_LAYERS
            if ok and (jurisdiction is None or jurisdiction != principal.jurisdiction_id):
                msg = (f"派出所账号 {principal.username} 只能修改本辖区（{principal.jurisdiction_id}）的"
                       f"{layer} 记录，该记录属于 {jurisdiction or '未指定辖区'}，未保存 / station account "
                       f"{principal.username} may only change {layer} of its own jurisdiction "
                       f"{principal.jurisdiction_id}; this row belongs to {jurisdiction or 'no jurisdiction'}; "
                       f"nothing was saved")
                raise AccessDeniedError(msg)
        elif role == "education":
            ok = layer in EDUCATION_LAYERS
            if ok and layer == "schools" and fields is not None:
                extra = sorted(set(fields) - EDUCATION_SCHOOL_FIELDS)
                if extra:
                    msg = (f"教育局账号只能修改学校的安全检查项，不能修改：{', '.join(extra)}，未保存 / "
                           f"education accounts edit the schools' checklist fields only, not "
                           f"{', '.join(extra)}; nothing was saved")
                    raise AccessDeniedError(msg)
    elif action == "import":
        ok = role == "cleared" if restricted else role == "planner"
    elif action == "export":
        ok = role == "cleared" if restricted else role in ("planner", "station", "cleared")
    elif action == "plan":
        ok = role in ("planner", "station")
    elif action == "manage_accounts":
        ok = role == "account_admin"
    elif action == "read_audit":
        ok = role == "auditor"
    if not ok:
        raise AccessDeniedError(_why(principal, action, layer))
