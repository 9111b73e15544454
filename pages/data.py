"""数据管理 / Data — layer status, import with preview, templates, editing in a table and on the map."""

from __future__ import annotations

import streamlit as st

from gis.ui import auth, cache, editing, shell
from gis.ui.i18n import tr

shell.inject_css()
ctx = cache.context()
data = cache.layers(ctx)
meta = cache.meta(ctx)

st.title(tr("数据管理", "Data"))
shell.demo_notice(meta)
editing.show_flash()
st.dataframe(editing.layer_summary(data), hide_index=True, width="stretch")
st.caption(tr("道路与演示学校数据 © OpenStreetMap contributors（ODbL）。",
              "Roads and demo schools © OpenStreetMap contributors (ODbL)."))

SECTIONS = {"import": ("导入", "Import"), "table": ("表格编辑", "Edit table"), "map": ("地图上移动", "Move on map"),
            "templates": ("导入模板", "Templates")}
SECTIONS = {k: v for k, v in SECTIONS.items() if auth.allowed_here(*editing.SECTION_NEEDS[k])}
if not SECTIONS:
    st.info(tr("当前角色只能查看数据。", "Your role may view the data only."))
    st.stop()
first = next(iter(SECTIONS))
section = st.segmented_control(tr("操作", "Task"), list(SECTIONS), format_func=lambda k: tr(*SECTIONS[k]),
                               default=first, key="data_section", label_visibility="collapsed") or first
if section == "import":
    st.caption(tr("先预览：列映射、可导入与被拒绝的行及原因；确认后一次性写入（同一文件重复导入不会产生变化）。"
                  "被拒绝的行可下载为隔离文件，改正后再导入。",
                  "Preview first: mapping, accepted and rejected rows with reasons; then commit in one "
                  "transaction (re-importing the same file changes nothing). Download rejected rows, fix, re-import."))
    editing.import_panel(ctx)
elif section == "table":
    st.caption(tr("可直接修改单元格、在末尾添加行、选中行后删除；保存时若他人已修改同一记录，将拒绝保存并提示。"
                  "所有修改记入审计日志。",
                  "Edit cells, add rows at the bottom, delete selected rows; a save is refused when someone "
                  "else changed the same row. Every change goes to the audit log."))
    editing.editor_panel(ctx, data)
elif section == "map":
    st.caption(tr("拖动标记或点击地图选定新位置，也可直接输入经纬度（WGS-84），然后保存。",
                  "Drag the marker or click the map, or type coordinates (WGS-84), then save."))
    editing.move_panel(ctx, data)
else:
    editing.templates_panel()
