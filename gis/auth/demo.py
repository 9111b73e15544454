"""Demo accounts (flagged 演示账号) and demo register rows, loaded by ``python -m gis demo``.

The accounts are documented in the README so a newcomer signs in right away; they share
one password, need no change at first sign-in, and are listed with the 演示账号 flag on the
账号 page. The administrator roles still enrol a TOTP second factor at their first sign-in.
Remove them with ``python -m gis user disable NAME`` on any real deployment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from gis.auth import accounts, register
from gis.auth.config import AuthConfig
from gis.auth.principal import SYSTEM
from gis.schema import main_gate

DEMO_PASSWORD = "Hxay#2024demo"
DEMO_FLAG = "演示账号"
DEMO_ACCOUNTS = (   # username, role, display name
    ("demo_planner", "planner", "演示·治安大队规划员"),
    ("demo_station", "station", "演示·派出所民警"),
    ("demo_viewer", "viewer", "演示·联席会议只读"),
    ("demo_cleared", "cleared", "演示·涉密授权民警"),
    ("demo_education", "education", "演示·教育局"),
    ("demo_governance", "governance", "演示·综治办"),
    ("demo_accounts", "account_admin", "演示·账号管理员"),
    ("demo_auditor", "auditor", "演示·审计管理员"),
)
DEMO_SOURCE = "demo-generated"
CATEGORIES = ("mental_illness", "revenge_threat", "destitute_debt", "drug_user", "petitioner",
              "psych_imbalance", "idle")
MEASURES = ("社区民警每周走访，监护人落实看护", "纳入矛盾纠纷化解，定期回访", "落实社会救助，村委会跟进",
            "社区戒毒，每月尿检", "信访部门联动，重点时段盯防", "心理疏导，家属配合", "网格员日常关注")


def without_register_rows(risk_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The demo's risk sites minus the person records (those go to the register)."""
    return risk_sites[~register.is_register_row(risk_sites)]


def demo_register(layers: dict[str, gpd.GeoDataFrame], *, seed: int = 7,
                  today: dt.date | None = None) -> gpd.GeoDataFrame:
    """Generated register rows near the demo's schools (two with an overdue review)."""
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)
    schools = layers["schools"]
    rows: list[dict[str, Any]] = []
    sites = layers["risk_sites"]
    for _, site in sites[register.is_register_row(sites)].iterrows():
        rows.append({"id": site["id"], "category": "unclassified", "level": site["level"],
                     "point": site[sites.geometry.name], "note": site["note"]})
    picks = rng.choice(len(schools), size=min(6, len(schools)), replace=False) if len(schools) else []
    for k, i in enumerate(picks):
        gate = main_gate(schools.geometry.iloc[int(i)])
        offset = 0.0015 + 0.003 * rng.random()
        rows.append({"id": f"demo-person-{k + 1:02d}", "category": CATEGORIES[k % len(CATEGORIES)],
                     "level": int(1 + k % 3), "point": Point(round(gate.x + offset, 5), round(gate.y - offset / 2, 5)),
                     "note": "【演示数据】虚构人员，仅用于演示"})
    for k, row in enumerate(rows):
        late = k in (1, 2)
        row.update(measure=MEASURES[k % len(MEASURES)], officer=f"演示民警{'甲乙丙丁戊己庚'[k % 7]}",
                   last_contact=pd.Timestamp(today - dt.timedelta(days=20 + 5 * k)).to_pydatetime(),
                   next_review=pd.Timestamp(today + dt.timedelta(days=(-10 - k) if late else (15 + k)))
                   .to_pydatetime(), status="active")
    frame = gpd.GeoDataFrame(rows, geometry="point", crs="EPSG:4326")
    return frame


def load_demo_auth(store, layers: dict[str, gpd.GeoDataFrame], *,
                   config: AuthConfig | None = None) -> dict[str, int]:
    """Write the demo register, move any person rows out of ``risk_sites``, and create the
    demo accounts that do not exist yet (existing ones keep their passwords).

    Returns
    -------
    dict
        The register's write counts (``inserted``, ``updated``, ``unchanged``, ``deleted``,
        ``skipped``), as ``load_demo`` reports a layer.
    """
    config = config or AuthConfig()
    persons = demo_register(layers)
    result = store.write_layer(register.LAYER, persons, source=DEMO_SOURCE, actor="demo")
    register.move_sensitive_sites(store)
    stations = layers["schools"]["jurisdiction_id"].dropna()
    jurisdiction = str(stations.mode().iloc[0]) if len(stations) else None
    with store.begin() as conn:
        existing = {r[0] for r in conn.execute(store.tables["accounts"].select()
                                               .with_only_columns(store.tables["accounts"].c.username))}
    created = 0
    for username, role, display in DEMO_ACCOUNTS:
        if username in existing or (role == "station" and not jurisdiction):
            continue
        accounts.create_account(store, username, role=role, config=config, password=DEMO_PASSWORD,
                                display_name=display, demo=True, must_change=False, by=SYSTEM,
                                jurisdiction_id=jurisdiction if role == "station" else None)
        created += 1
    return {"inserted": len(result.inserted), "updated": len(result.updated),
            "unchanged": len(result.unchanged), "deleted": 0, "skipped": 0}


def clear_demo_auth(store, *, actor: str = "demo") -> dict[str, int]:
    """Remove the demo register rows and the demo accounts (演示账号); rows and accounts
    made by users stay. Returns the counts (``risk_persons``, ``accounts``)."""
    from gis.demo_areas import is_demo_source

    persons = store.read_layer(register.LAYER)   # as the system: no account reads a record here
    ids = sorted(persons.loc[persons["source"].map(is_demo_source).astype(bool), "id"])
    deleted = store.delete_rows(register.LAYER, ids, actor=actor) if ids else 0
    return {register.LAYER: deleted, "accounts": len(accounts.delete_demo_accounts(store))}
