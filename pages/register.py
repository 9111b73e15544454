"""高危人员 / High-risk persons register: records for cleared officers, counts for everyone else."""

from __future__ import annotations

import streamlit as st

from gis.auth import register
from gis.auth.policy import allowed
from gis.schema import ENUM_LABELS_ZH
from gis.ui import auth, cache, shell
from gis.ui.i18n import tr

shell.inject_css()
principal = auth.require("read")
ctx = cache.context()
store = cache.get_store(ctx.url)

st.title(tr("高危人员", "High-risk persons"))
if allowed(principal, "read", register.LAYER):
    st.caption(tr("涉密信息：仅限授权民警查阅，每次查阅均记入审计日志，不得截屏外传。",
                  "Restricted: cleared officers only; every read is audited."))
    records = register.read_register(store, principal=principal)
    late = register.overdue_reviews(records)
    st.subheader(tr(f"逾期未复核（{len(late)}）", f"Overdue reviews ({len(late)})"))
    columns = ["id", "category", "level", "officer", "next_review", "days_overdue"]
    st.dataframe(late[columns].assign(category=late["category"].map(ENUM_LABELS_ZH)), hide_index=True,
                 width="stretch")
    st.subheader(tr("登记名册", "Register"))
    table = records.drop(columns=["point", "source", "updated_at", "version"])
    st.dataframe(table.assign(category=table["category"].map(ENUM_LABELS_ZH),
                              status=table["status"].map(ENUM_LABELS_ZH)), hide_index=True, width="stretch")
else:
    st.caption(tr("此处仅显示各校周边登记在控人员的数量；人员信息仅限授权民警查阅。",
                  "Counts of registered persons near each school only; the records are for cleared officers."))
    counts = register.counts_near_schools(store, cache.layers(ctx)["schools"], principal=principal)
    counts = counts[counts["within_500m"] > 0].sort_values(["within_200m", "within_500m"], ascending=False)
    st.dataframe(counts.drop(columns="school_id").rename(columns={
        "name": tr("学校", "School"), "within_200m": tr("200米内", "Within 200 m"),
        "within_500m": tr("500米内", "Within 500 m")}), hide_index=True, width="stretch")
