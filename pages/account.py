"""账号 / Account: 修改密码 and 绑定动态口令 for everyone; the account administrator's panel."""

from __future__ import annotations

import streamlit as st

from gis.auth.policy import allowed
from gis.ui import accounts_panel, auth, shell
from gis.ui.i18n import tr

shell.inject_css(action=None)
principal = auth.require(None)
state = st.session_state.get(auth.STATE_KEY)

st.title(tr("账号", "Account"))
if state is not None and state.must_change_password:
    st.warning(tr("请先修改密码（一次性密码或密码已到期），然后才能使用其他功能。",
                  "Change your password first (one-time or expired password); then the other pages open."))
elif state is not None and state.must_enrol_totp:
    st.warning(tr("管理员账号须绑定动态口令后才能使用。", "Administrator accounts must bind an authenticator first."))

tabs = [tr("修改密码", "Change password"), tr("绑定动态口令", "Authenticator (TOTP)")]
is_admin = allowed(principal, "manage_accounts") and state is not None and not (
    state.must_change_password or state.must_enrol_totp)
if is_admin:
    tabs.append(tr("账号管理", "Accounts"))
parts = st.tabs(tabs)
with parts[0]:
    accounts_panel.change_password(principal)
with parts[1]:
    accounts_panel.bind_totp(principal, enrolled=not (state is not None and state.must_enrol_totp)
                             and accounts_panel.has_totp(principal))
if is_admin:
    with parts[2]:
        accounts_panel.admin_panel(principal)
