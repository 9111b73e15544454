"""巡逻路线 / Patrol routes — placeholder until the routing issue lands.

Owned by the patrol-routing engineer from here on (created by the app engineer as a
placeholder): it shows the police posts and the candidate stops (school gates, weakest
campuses first) that the route planner will visit.
"""

from __future__ import annotations

import streamlit as st

from gis.ui import cache, shell, views
from gis.ui.i18n import current_language, tr

shell.inject_css()
lang = current_language()
ctx = cache.context()
data = cache.layers(ctx)

st.title(tr("巡逻路线", "Patrol routes"))
st.info(tr("高峰巡逻路线规划即将接入；下图为警务点（出发点）与候选巡逻停靠点（校门）。",
           "Peak-hour route planning is coming; the map shows the posts (depots) and candidate stops (gates)."))
if len(data["schools"]) == 0:
    shell.no_data(cache.meta(ctx))
    st.stop()
m, groups = views.overview_map(ctx, lang, ["posts", "schools"])
shell.show_map(m, key="patrol_map", height=520, groups=groups)
table, _ = cache.assessment(ctx)
if table is not None:
    cols = [c for c in ("name", "jurisdiction_name", "level", "score", "response_s") if c in table]
    st.subheader(tr("候选停靠点（薄弱校园优先）", "Candidate stops (weakest first)"))
    st.dataframe(table.sort_values("score")[cols], hide_index=True, width="stretch")
