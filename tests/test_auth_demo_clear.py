"""``python -m gis demo --clear`` removes the demo accounts (演示账号) and the demo register
rows too, and keeps the accounts and register rows made by users (both back-ends)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from gis.cli import main
from gis.demo import load_demo


def test_clear_removes_demo_accounts_and_register_rows_and_keeps_the_users(store, capsys):
    load_demo(store, area="guixi")
    accounts.create_account(store, "wang_real", role="cleared", password="Kx9-vault-Lamp", config=AuthConfig(),
                            must_change=False)
    mine = gpd.GeoDataFrame({"id": ["GW-real-1"], "category": ["idle"], "officer": ["王警官"], "status": ["active"]},
                            geometry=[Point(117.2, 28.25)], crs=4326).rename_geometry("point")
    store.write_layer("risk_persons", mine, source="名单.xlsx", actor="wang_real")
    signed = accounts.authenticate(store, "demo_planner", DEMO_PASSWORD, address="127.0.0.1", config=AuthConfig())
    before = accounts.list_accounts(store)
    assert set(before.loc[before["demo"], "username"]) == {u for u, _, _ in DEMO_ACCOUNTS}
    demo_rows = len(store.read_layer("risk_persons")) - 1
    assert demo_rows >= 6

    assert main(["--db", store.url, "demo", "--clear"]) == 0
    out = capsys.readouterr().out
    assert f"risk_persons {demo_rows}" in out and f"accounts {len(DEMO_ACCOUNTS)}" in out
    after = accounts.list_accounts(store)
    assert list(after["username"]) == ["wang_real"]
    assert list(store.read_layer("risk_persons")["id"]) == ["GW-real-1"]
    assert accounts.resume(store, signed.token, address="127.0.0.1", config=AuthConfig()) is None
    audit = store.read_audit(limit=10_000)
    deleted = audit[audit["action"] == "account_delete"]
    assert sorted(deleted["object"]) == sorted(f"accounts/{u}" for u, _, _ in DEMO_ACCOUNTS)
    # loading the demo again brings them back (idempotent, README's one-step run)
    load_demo(store, area="guixi")
    assert len(accounts.list_accounts(store)) == 1 + len(DEMO_ACCOUNTS)
