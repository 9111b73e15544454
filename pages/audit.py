"""审计 / Audit trail: filters (user, action, time) and an XLSX export; for the auditor only."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from gis.auth import audit
from gis.ui import auth, cache, shell
from gis.ui.i18n import tr

shell.inject_css(action="read_audit")
principal = auth.require("read_audit", "audit_log")
store = cache.get_store(cache.get_settings().database_url)

st.title(tr("审计", "Audit"))
st.caption(tr("登录、退出、锁定、每次增删改、导入导出、敏感记录查阅与账号变更均记入审计日志；日志只增不改（数据库触发器拒绝修改和删除），"
              "至少保存 180 天。", "Sign-ins, sign-outs, lock-outs, every change, import and export, every read of a "
              "restricted record and account changes are recorded; the log is append-only (database triggers "
              "refuse updates and deletes) and kept at least 180 days."))
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
user = c1.text_input(tr("用户", "User"), key="au_user", max_chars=64).strip()
action = c2.selectbox(tr("操作", "Action"), ["", *audit.actions(store, principal=principal)], key="au_action",
                      format_func=lambda a: a or tr("全部", "all"))
today = dt.date.today()
since = c3.date_input(tr("起始日期", "From"), today - dt.timedelta(days=7), key="au_since")
until = c4.date_input(tr("截止日期", "To"), today, key="au_until")
frame = audit.read_audit(store, principal=principal, username=user or None, action=action or None,
                         since=dt.datetime.combine(since, dt.time()).astimezone(dt.UTC),
                         until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()).astimezone(dt.UTC))
shown = frame.assign(at=frame["at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S"))
st.dataframe(shown.rename(columns=audit.LABELS_ZH if st.session_state.get("lang") != "en" else {}),
             hide_index=True, width="stretch")
st.caption(tr(f"共 {len(frame)} 条（最多显示 5000 条）。", f"{len(frame)} records (at most 5000 shown)."))
if st.button(tr("生成 Excel 导出", "Prepare Excel export"), key="au_export"):
    st.session_state["au_xlsx"] = audit.export_xlsx(store, frame, principal=principal)
if st.session_state.get("au_xlsx"):
    st.download_button(tr("下载审计日志（Excel）", "Download audit log (Excel)"), st.session_state["au_xlsx"],
                       file_name=f"audit_{since}_{until}.xlsx", key="au_download",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
