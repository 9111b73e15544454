"""``python -m gis import risk_persons PATH --actor NAME``: the restricted register's import.

A messy planner's file (GBK, Chinese headers, a bad date, an unknown category, a missing
officer, a point outside China, a review before the last contact) on SQLite and PostGIS:
valid rows land, the rest is quarantined with value-free reasons, exit 3; only an account
allowed to import the register may; no restricted value reaches the terminal, the
quarantine file's reason column, the log or the audit trail.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging

import openpyxl
import pytest

from gis.auth import accounts
from gis.auth.config import AuthConfig
from gis.auth.principal import Principal
from gis.auth.register_import import prepare_register_import
from gis.cli import main
from gis.errors import AccessDeniedError
from gis.store import open_store

PASSWORD = "Kx9-vault-Lamp"
# values that must never be echoed: each is unique to one cell of the file
PLANTED = ("邪教骨干ZQXV", "999.1234", "2025-13-45", "监护ZQXW", "2025-08-01", "QZ孙警官")
HEADER = "编号,类别,风险等级,稳控措施,责任民警,最近见面,下次复核,状态,备注,经度,纬度"
ROWS = [
    "GW001,扬言报复,3,每周见面,李警官,2025-09-01,2025-10-01,在控,,117.215,28.247",        # ok
    "GW002,吸毒人员,2,社区戒毒,王警官,2025-13-45,2025-10-01,在控,,117.216,28.248",       # bad date
    "GW003,邪教骨干ZQXV,2,见面,赵警官,2025-09-01,2025-10-01,在控,,117.217,28.249",       # unknown category
    "GW004,心理失衡,1,监护ZQXW,,2025-09-01,2025-10-01,稳定,,117.218,28.246",           # no officer
    "GW005,闲散人员,1,走访,钱警官,2025-09-01,2025-10-01,在控,,999.1234,28.246",          # outside China
    "GW006,重点上访,2,约谈,QZ孙警官,2025-09-05,2025-08-01,在控,,117.219,28.245",         # review < contact
    "GW007,易肇事肇祸精神病人,3,监护人看管,周警官,2025-09-01,2025-10-01,在控,,117.214,28.250",  # ok
]


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def db_url(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'reg.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgis_url"))
    store = open_store(url)
    store.init()
    for name, role in (("qing", "cleared"), ("plan", "planner")):
        accounts.create_account(store, name, role=role, password=PASSWORD, config=AuthConfig(),
                                must_change=False)
    store.close()
    return url


@pytest.fixture
def messy_file(tmp_path):
    path = tmp_path / "涉校高危人员名单.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="gbk")
    return path


def _cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _audit_text(url: str) -> str:
    store = open_store(url)
    try:
        audit = store.read_audit(limit=100_000)
    finally:
        store.close()
    return "\n".join(str(v) for v in audit.astype(str).to_numpy().ravel())


def test_messy_register_file_imports_valid_rows_and_quarantines_the_rest_without_echoing_values(
        db_url, messy_file, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    code, out, err = _cli(capsys, "--db", db_url, "import", "risk_persons", str(messy_file), "--actor", "qing")
    assert code == 3, err
    assert "可导入 2" in out and "有误 5" in out
    store = open_store(db_url)
    try:
        register = store.read_layer("risk_persons")
        audit = store.read_audit(limit=10_000)
    finally:
        store.close()
    assert sorted(register["id"]) == ["GW001", "GW007"]
    row = register.set_index("id").loc["GW001"]
    assert row["category"] == "revenge_threat" and row["officer"] == "李警官" and int(row["level"]) == 3
    assert abs(row["point"].x - 117.215) < 1e-9 and abs(row["point"].y - 28.247) < 1e-9
    imports = audit[(audit["action"] == "import") & (audit["object"] == "risk_persons")]
    assert len(imports) == 1 and set(imports["username"]) == {"qing"} and "2 new" in imports["new"].iloc[0]
    writes = audit[(audit["layer"] == "risk_persons") & (audit["action"] != "import")]
    assert len(writes) == 2 and set(writes["new"].dropna()) <= {"insert", "(restricted)"}
    # the reasons name row and field and how to fix it, never the value
    for row_no, field in ((3, "last_contact"), (4, "category"), (5, "officer"), (6, "lon"), (7, "next_review")):
        assert f"第 {row_no} 行" in err and f"（{field}）" in err
    quarantine = messy_file.with_name("涉校高危人员名单.quarantine.csv")
    with quarantine.open(encoding="gbk", newline="") as fh:
        lines = list(csv.reader(fh))
    assert [r[0] for r in lines[1:]] == ["GW002", "GW003", "GW004", "GW005", "GW006"]
    assert lines[2][1] == "邪教骨干ZQXV"   # the user's own rows are kept untouched
    reasons = "\n".join(r[-1] for r in lines[1:])
    assert "可填：易肇事肇祸精神病人" in reasons and "YYYY-MM-DD" in reasons and "责任民警" in reasons
    said = "\n".join([out, err, reasons, caplog.text, _audit_text(db_url)])
    for value in PLANTED:
        assert value not in said, value


def test_only_an_account_allowed_to_import_the_register_may(db_url, messy_file, capsys):
    code, _, err = _cli(capsys, "--db", db_url, "import", "risk_persons", str(messy_file))
    assert code == 2 and "--actor" in err and "Traceback" not in err
    code, _, err = _cli(capsys, "--db", db_url, "import", "risk_persons", str(messy_file), "--actor", "plan")
    assert code == 2 and "may not import risk_persons" in err
    code, _, err = _cli(capsys, "--db", db_url, "import", "risk_persons", str(messy_file), "--actor", "ghost")
    assert code == 2 and "no such account" in err
    store = open_store(db_url)
    try:
        assert len(store.read_layer("risk_persons")) == 0
        audit = store.read_audit()
    finally:
        store.close()
    denied = audit[(audit["username"] == "plan") & (audit["result"] == "denied")]
    assert list(denied["object"]) == ["risk_persons"]
    assert not messy_file.with_name("涉校高危人员名单.quarantine.csv").exists()


def test_the_core_refuses_before_reading_the_file(tmp_path):
    with pytest.raises(AccessDeniedError, match="may not import risk_persons"):
        prepare_register_import(tmp_path / "not-there.csv", principal=Principal("v", "viewer"))
    cleared = Principal("q", "cleared")
    with pytest.raises(Exception, match="not found|不存在|没有"):
        prepare_register_import(tmp_path / "not-there.csv", principal=cleared)


def test_template_filled_in_imports_cleanly(db_url, tmp_path, capsys):
    template = tmp_path / "模板.xlsx"
    code, _, _ = _cli(capsys, "import", "risk_persons", "--template", str(template))
    assert code == 0
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["编号", "类别", "风险等级", "稳控措施", "责任民警"] and "经度" in headers
    today = dt.date.today()
    sheet.append(["GW100", "心理失衡", 1, "每月走访", "吴警官", (today - dt.timedelta(days=3)).isoformat(),
                  (today + dt.timedelta(days=27)).isoformat(), "在控", "", 117.22, 28.25])
    book.save(template)
    code, out, err = _cli(capsys, "--db", db_url, "import", "risk_persons", str(template), "--actor", "qing")
    assert code == 0, err
    store = open_store(db_url)
    try:
        assert {"GW0001", "GW100"} <= set(store.read_layer("risk_persons")["id"])
    finally:
        store.close()
