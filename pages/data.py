"""数据管理 / Data — minimal stub created by the app engineer so the navigation works.

NOTE to the import engineer (issue 7): this page is YOURS. Replace it freely with import
and editing; keep it thin and read data through ``gis.ui.cache``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gis.schema import LAYERS
from gis.ui import cache, shell
from gis.ui.i18n import tr

shell.inject_css()
ctx = cache.context()
data = cache.layers(ctx)
meta = cache.meta(ctx)

st.title(tr("数据管理", "Data"))
shell.demo_notice(meta)
rows = []
for name, frame in data.items():
    sources = sorted(frame["source"].dropna().astype(str).unique()) if "source" in frame else []
    updated = pd.to_datetime(frame["updated_at"], errors="coerce").max() if "updated_at" in frame else None
    rows.append({tr("图层", "Layer"): f"{LAYERS[name].zh} ({name})", tr("条数", "Rows"): len(frame),
                 tr("来源", "Sources"): ", ".join(sources),
                 tr("最后更新", "Last update"): "" if updated is None or pd.isna(updated) else str(updated)})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(tr("地图数据 © OpenStreetMap contributors（ODbL）。导入与编辑功能将随导入模块提供。",
              "Map data © OpenStreetMap contributors (ODbL). Import and editing come with the import module."))
