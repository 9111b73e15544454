"""Write the planner-style import files of ``tests/data/import`` (committed; re-run to refresh).

    .venv/bin/python tests/data/import/make_import_files.py

Places are in the 贵溪 (Guixi) demo area (117.191–117.255 E, 28.282–28.323 N) unless the
file is about CRS reference points. Deterministic: no randomness.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent

# Published reference pairs (see tests/test_import_china_crs.py for the sources).
GCJ_REFERENCE = [  # name, WGS-84 lon, lat, GCJ-02 lon, lat  (googollee/eviltransform python/test.py)
    ("上海", 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    ("深圳", 113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    ("北京", 116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
    # Glatzel/pyxis python/tests/test_crypto.py
    ("嘉兴", 121.0917077, 30.6107779, 121.09626935575027, 30.608604331756705),
]
BD_REFERENCE = [  # name, WGS-84 lon, lat, BD-09 lon, lat  (Glatzel/pyxis python/tests/test_crypto.py)
    ("嘉兴", 121.0917077, 30.6107779, 121.10271732371203, 30.61484572185035),
]


def schools_rows() -> list[list[str]]:
    """12 schools as an education-bureau sheet would list them (strings, as typed)."""
    return [
        ["G3601001", "贵溪市第一小学", "小学", "1,860", "否", "城区", "117.2105", "28.2952", "是"],
        ["G3601002", "贵溪市实验幼儿园", "幼儿园", "４２０", "否", "城区", "117.2210", "28.3011", "是"],
        ["G3601003", "贵溪市第二中学", "初中", "2,310", "是", "城区", "117°13′30″", "28°17′45″", "是"],
        ["G3601004", "贵溪市第一中学", "高中", "3105", "Y", "城区", "117.2402", "28.3105", "是"],
        ["G3601005", "雄石街道中心小学", "小学", "980", "N", "城区", "117.2015", "28.2880", "否"],
        ["G3601006", "东门幼儿园", "幼儿园", "236", "否", "城区", "28.3050", "117.2301", "否"],  # swapped
        ["G3601007", "贵溪市职业中专", "职高", "1,150", "是", "城区", "117.2480", "28.2905", "是"],
        ["G3601008", "花园小学", "小学", "1,024", "否", "城区", "117.2188", "28.3150", "是"],
        ["G3601009", "滨江九年一贯制学校", "九年一贯制", "1,700", "是", "城区", "117.2350", "28.2995", "是"],
        ["G3601010", "特殊教育学校", "特教", "85", "是", "城区", "117.1990", "28.3080", "否"],
        ["G3601011", "新田小学", "小学", "640", "否", "镇区", "117.2525", "28.3210", "否"],
        ["G3601012", "阳光幼儿园", "幼儿园", "310", "否", "城区", "117.2260", "28.2850", "否"],
    ]


SCHOOL_HEADERS = ["学校代码", "学校名称", "学段", "在校人数", "是否寄宿", "城乡分类", "经度", "纬度", "一键报警"]


def write_schools_gbk() -> Path:
    out = HERE / "schools_gbk.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(SCHOOL_HEADERS)
    writer.writerows(schools_rows())
    out.write_bytes(buffer.getvalue().encode("gbk"))
    return out


def write_schools_merged_xlsx() -> Path:
    """Title row, a blank row, a two-row header with merged cells, blank rows inside the data."""
    out = HERE / "schools_merged.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "学校"
    ws["A1"] = "贵溪市中小学校幼儿园安全防范基本情况表"
    ws.merge_cells("A1:J1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = "填报单位：贵溪市教育体育局    日期：2024年9月"
    ws.merge_cells("A2:J2")
    # row 3 is blank
    top = ["学校代码", "学校名称", "学段", "在校人数", "是否寄宿", "安全防范", None, None, "校门位置", None]
    sub = [None, None, None, None, None, "专职保安人数", "一键报警", "视频联网", "经度", "纬度"]
    for col, value in enumerate(top, start=1):
        ws.cell(4, col, value)
    for col, value in enumerate(sub, start=1):
        if value is not None:
            ws.cell(5, col, value)
    for col in "ABCDE":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("F4:H4")
    ws.merge_cells("I4:J4")
    data = [
        ["G3601001", "贵溪市第一小学", "小学", 1860, "否", 3, "是", "是", 117.2105, 28.2952],
        ["G3601002", "贵溪市实验幼儿园", "幼儿园", 420, "否", 2, "是", "是", 117.2210, 28.3011],
        None,  # blank row
        ["G3601003", "贵溪市第二中学", "初中", 2310, "是", 4, "是", "否", "117°13′30″", "28°17′45″"],
        ["G3601004", "贵溪市第一中学", "高中", 3105, "是", 4, "是", "是", 117.2402, 28.3105],
        None,
        None,
        ["G3601005", "雄石街道中心小学", "小学", 980, "否", 2, "否", "是", 117.2015, 28.2880],
    ]
    row = 6
    for values in data:
        if values is not None:
            for col, value in enumerate(values, start=1):
                ws.cell(row, col, value)
        row += 1
    book.save(out)
    return out


def write_cameras_50() -> Path:
    """50 cameras from a vendor (UTF-8 with BOM); rows 10, 27 and 44 (file lines) are bad."""
    out = HERE / "cameras_50_3bad.csv"
    lines = [["设备编号", "安装位置", "方向角", "视角", "监控距离(米)", "经度", "纬度", "是否联网", "状态", "权属"]]
    for i in range(1, 51):
        lon = 117.1950 + (i % 10) * 0.0055
        lat = 28.2850 + (i // 10) * 0.0070
        row = [f"CAM-{i:03d}", f"校门口{i}号杆", str((i * 37) % 360), "90", "40",
               f"{lon:.6f}", f"{lat:.6f}", "是" if i % 3 else "否", "正常" if i % 7 else "故障",
               ("学校", "公安", "商户")[i % 3]]
        lines.append(row)
    lines[9][2] = "400"                     # line 10: direction out of range
    lines[26][5] = "一百一十七"              # line 27: not a coordinate
    lines[43][0] = lines[42][0]             # line 44: duplicate id of line 43
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(lines)
    out.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return out


def write_posts_crs() -> list[Path]:
    """Police posts at published reference points, in GCJ-02 and in BD-09."""
    outs = []
    for name, rows, idx in (("posts_gcj02.csv", GCJ_REFERENCE, (3, 4)), ("posts_bd09.csv", BD_REFERENCE, (3, 4))):
        out = HERE / name
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(["编号", "名称", "类型", "lng", "lat"])
        for i, ref in enumerate(rows, start=1):
            writer.writerow([f"REF{i}", f"{ref[0]}参考点", "派出所", repr(ref[idx[0]]), repr(ref[idx[1]])])
        out.write_text(buffer.getvalue(), encoding="utf-8")
        outs.append(out)
    return outs


def write_risk_swapped() -> Path:
    """Risk sites where the columns 经度/纬度 were filled the wrong way round."""
    out = HERE / "risk_sites_swapped.csv"
    rows = [["编号", "类别", "风险等级", "备注", "经度", "纬度"],
            ["RS1", "网吧", "高", "", "28.2990", "117.2120"],
            ["RS2", "娱乐场所", "2", "", "28.3020", "117.2280"],
            ["RS3", "占道摊点", "低", "", "28.2930", "117.2060"]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


def main() -> None:
    for path in (write_schools_gbk(), write_schools_merged_xlsx(), write_cameras_50(), *write_posts_crs(),
                 write_risk_swapped()):
        print(path.relative_to(HERE.parent.parent.parent))


if __name__ == "__main__":
    main()
