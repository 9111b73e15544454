"""No export carries the high-risk persons register (issue 13, DESIGN.md §9).

A distinctive register record is planted (every field a token found nowhere else), and a
person record slipped into ``risk_sites`` with ``sensitive`` set (as a careless import
would), then every export path is run on the guixi demo and its files' text grepped for
the tokens: coverage CSV and XLSX, ``--jurisdictions-out``, ``--map-layers`` GeoJSON, the
patrol route sheets (PDF), GPX, KML, plan XLSX/GeoJSON and zip, the monthly report
(XLSX and PDFs), the meeting pack and the siting scenario (XLSX, GeoJSON, PDF, JSON).
The command line runs as the system; the app's downloads call the same builders with an
account that cannot read the register, so nothing cleared-only can be in them either.
Each file must also show a demo school or post (the grep is not looking at empty text).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from gis.cli import main
from gis.demo import load_demo
from gis.schema import main_gate
from gis.store import open_store

TOKENS = {"id": "QXREG-7731", "measure": "QXMEASURE稳控措施", "officer": "QXOFFICER警官",
          "note": "QXNOTE备注", "last_contact": "2031-07-19", "next_review": "2032-03-17",
          "site_id": "QXSITE-4410", "site_note": "QXSITENOTE住址"}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    url = f"sqlite:///{tmp_path_factory.mktemp('exdb') / 'ex.db'}"
    store = open_store(url)
    load_demo(store, area="guixi")
    schools = store.read_layer("schools")
    gate = main_gate(schools.geometry.iloc[0])
    near = Point(gate.x + 0.0008, gate.y + 0.0004)   # ~90 m from a school's gate
    person = gpd.GeoDataFrame({
        "id": [TOKENS["id"]], "category": ["revenge_threat"], "level": [3], "measure": [TOKENS["measure"]],
        "officer": [TOKENS["officer"]], "last_contact": [pd.Timestamp(TOKENS["last_contact"])],
        "next_review": [pd.Timestamp(TOKENS["next_review"])], "status": ["active"], "note": [TOKENS["note"]]},
        geometry=[near], crs=4326).rename_geometry("point")
    store.write_layer("risk_persons", person, source="名单.xlsx", actor="test")
    site = gpd.GeoDataFrame({"id": [TOKENS["site_id"]], "category": ["dispute"], "level": [3],
                             "note": [TOKENS["site_note"]], "sensitive": [True]},
                            geometry=[near], crs=4326).rename_geometry("point")
    store.write_layer("risk_sites", site, source="风险点位.xlsx", actor="test")
    posts = store.read_layer("police_posts")
    names = [*schools["name"], *schools["id"], *posts["name"], *posts["id"]]
    store.close()
    runs = [
        ["coverage", "--out", root / "cov.csv", "--jurisdictions-out", root / "jur.csv",
         "--map-layers", root / "layers.geojson"],
        ["coverage", "--out", root / "cov.xlsx", "--jurisdictions-out", root / "jur.xlsx"],
        ["patrol", "--window", "am", "--units", "2", "--time-limit", "2", "--out", root / "patrol"],
        ["report", "monthly", "--out", root / "monthly"],
        ["report", "meeting", "--out", root / "meeting.pdf"],
        ["siting", "--kind", "office", "--add", "1", "--time-limit", "5", "--out", root / "siting"],
    ]
    said = io.StringIO()
    for argv in runs:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            code = main(["--db", url, *map(str, argv)])
        assert code == 0, (argv, said.getvalue()[-2000:])
    files = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
    return {"files": files, "stdout": said.getvalue(), "names": names}


def text_of(path: Path) -> str:
    """Every character a reader of the file could see (XLSX/zip members, PDF text)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".zip", ".kmz"):
        with zipfile.ZipFile(path) as archive:
            parts = []
            for member in archive.namelist():
                data = archive.read(member)
                inner = Path(member)
                if inner.suffix.lower() in (".pdf", ".xlsx", ".zip"):
                    scratch = path.with_name(f"_{path.stem}_{inner.name}")
                    scratch.write_bytes(data)
                    parts.append(text_of(scratch))
                    scratch.unlink()
                else:
                    parts.append(data.decode("utf-8", errors="replace"))
            return "\n".join(parts)
    if suffix == ".pdf":
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


EXPECTED = ["cov.csv", "jur.csv", "layers.geojson", "cov.xlsx", "jur.xlsx", "meeting.pdf",
            "patrol/patrol_plan.xlsx", "patrol/patrol_plan.geojson", "patrol/patrol_sheets.zip",
            "patrol/U01.pdf", "patrol/U01.gpx", "patrol/U01.kml", "siting/scenario.xlsx",
            "siting/proposals.geojson", "siting/scenario.pdf", "siting/summary.json"]


def test_every_export_path_wrote_its_files(exports):
    files = exports["files"]
    assert set(EXPECTED) <= set(files), sorted(files)
    assert any(n.startswith("monthly/") and n.endswith(".xlsx") for n in files)
    assert sum(n.startswith("monthly/") and n.endswith(".pdf") for n in files) >= 2


@needs_poppler
def test_no_export_file_holds_a_register_field_or_a_sensitive_site(exports):
    checked = 0
    for name, path in exports["files"].items():
        text = text_of(path)
        if name not in ("siting/proposals.geojson", "siting/summary.json"):   # figures only, no names
            assert any(n in text for n in exports["names"]), f"{name}: no school or post in its text"
        for field, token in TOKENS.items():
            assert token not in text, f"{name} carries the register's {field}"
        checked += 1
    assert checked >= len(EXPECTED)
    for token in TOKENS.values():
        assert token not in exports["stdout"]
