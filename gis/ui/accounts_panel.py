"""Widgets of the 账号 page: change password, bind TOTP, and the account administrator's panel."""

from __future__ import annotations

import streamlit as st

from gis.auth import accounts
from gis.auth.policy import ACCOUNT_ROLES
from gis.auth.principal import Principal
from gis.errors import GisError
from gis.ui import auth, cache
from gis.ui.i18n import current_language, tr


def _store():
    return cache.get_store(cache.get_settings().database_url)


def change_password(principal: Principal) -> None:
    """修改密码: current, new, repeated; the strength rules are stated."""
    cfg = auth.config()
    with st.form("pw_form", clear_on_submit=True):
        old = st.text_input(tr("当前密码", "Current password"), type="password")
        new = st.text_input(tr("新密码", "New password"), type="password")
        again = st.text_input(tr("再次输入新密码", "New password again"), type="password")
        st.caption(tr(f"至少 {cfg.password_min_length} 位，含大写字母、小写字母、数字、符号中至少 "
                      f"{cfg.password_min_classes} 类，不含用户名；每 {cfg.password_max_age_days} 天须更换。",
                      f"At least {cfg.password_min_length} characters, {cfg.password_min_classes} of upper case, "
                      f"lower case, digits, symbols, not the user name; renewed every "
                      f"{cfg.password_max_age_days} days."))
        go = st.form_submit_button(tr("修改密码", "Change password"), type="primary")
    if go:
        if new != again:
            st.error(tr("两次输入的新密码不一致。", "The two new passwords differ."))
            return
        try:
            accounts.change_password(_store(), principal, old, new, config=cfg)
        except GisError as exc:
            st.error(str(exc))
            return
        auth.forget_check()
        st.success(tr("密码已修改。", "Password changed."))
        st.rerun()


def bind_totp(principal: Principal, *, enrolled: bool) -> None:
    """绑定动态口令: a new secret for an authenticator app, confirmed by one code."""
    if enrolled:
        st.info(tr("已绑定动态口令。登录时请输入身份验证器中的 6 位数字。",
                   "An authenticator is bound; enter its 6-digit code when signing in."))
        return
    secret = st.session_state.setdefault("totp_secret", accounts.new_totp_secret())
    st.write(tr("在手机身份验证器（离线可用，如 FreeOTP、Google Authenticator）中手动添加以下密钥，"
                "然后输入显示的 6 位数字：", "Add this key by hand in an authenticator app (works offline), "
                "then enter the 6-digit code it shows:"))
    uri = accounts.totp_uri(secret, principal.username, config=auth.config())
    left, right = st.columns([1, 2])
    left.image(accounts.totp_qr_svg(uri), width=180)   # an SVG string made here by segno, offline
    right.caption(tr("用身份验证器扫描二维码，或手动输入密钥：", "Scan the QR code, or type the key:"))
    right.code(" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), language=None)
    with st.form("totp_form", clear_on_submit=True):
        code = st.text_input(tr("动态口令", "Code"), max_chars=8)
        go = st.form_submit_button(tr("绑定", "Bind"), type="primary")
    if go:
        try:
            accounts.enrol_totp(_store(), principal, secret, code, config=auth.config())
        except GisError as exc:
            st.error(str(exc))
            return
        auth.forget_check()
        st.session_state.pop("totp_secret", None)
        st.success(tr("动态口令已绑定。", "Authenticator bound."))
        st.rerun()


def admin_panel(principal: Principal) -> None:
    """The account administrator: list, create, disable, reset, change role, kiosk tokens."""
    store, cfg = _store(), auth.config()
    lang = current_language()
    frame = accounts.list_accounts(store, by=principal)
    shown = frame.assign(role=frame["role"].map(lambda r: accounts.role_label(r, lang)),
                         demo=frame["demo"].map({True: tr("演示账号", "demo"), False: ""}))
    st.dataframe(shown, hide_index=True, width="stretch")
    with st.form("add_account", clear_on_submit=True):
        st.markdown(tr("**新建账号**（生成一次性密码，首次登录须修改）", "**New account** (one-time password)"))
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(tr("用户名", "User name"), max_chars=64)
        role = c2.selectbox(tr("角色", "Role"), ACCOUNT_ROLES, format_func=lambda r: accounts.role_label(r, lang))
        jurisdiction = c3.text_input(tr("辖区（派出所编号）", "Jurisdiction (station id)"), max_chars=64)
        go = st.form_submit_button(tr("新建", "Create"), type="primary")
    if go:
        _act(lambda: st.success(tr("一次性密码：", "One-time password: ") + accounts.create_account(
            store, name, role=role, jurisdiction_id=jurisdiction or None, config=cfg, by=principal)))
    if frame.empty:
        return
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox(tr("账号", "Account"), list(frame["username"]), key="adm_who")
    new_role = c2.selectbox(tr("新角色", "New role"), ACCOUNT_ROLES, key="adm_role",
                            format_func=lambda r: accounts.role_label(r, lang))
    new_jur = c3.text_input(tr("辖区", "Jurisdiction"), key="adm_jur", max_chars=64)
    b1, b2, b3, b4, b5 = st.columns(5)
    disabled = bool(frame.set_index("username").loc[who, "disabled"])
    if b1.button(tr("启用", "Enable") if disabled else tr("停用", "Disable"), key="adm_dis"):
        _act(lambda: accounts.disable_account(store, who, by=principal, enable=disabled), rerun=True)
    if b2.button(tr("重置密码", "Reset password"), key="adm_reset"):
        _act(lambda: st.success(tr("一次性密码：", "One-time password: ") + accounts.reset_password(
            store, who, config=cfg, by=principal)))
    if b3.button(tr("重置并解绑动态口令", "Reset + remove TOTP"), key="adm_reset2"):
        _act(lambda: st.success(tr("一次性密码：", "One-time password: ") + accounts.reset_password(
            store, who, config=cfg, by=principal, clear_totp=True)))
    if b4.button(tr("修改角色", "Change role"), key="adm_role_go"):
        _act(lambda: accounts.set_role(store, who, new_role, jurisdiction_id=new_jur or None, by=principal),
             rerun=True)
    if b5.button(tr("签发大屏令牌", "Issue kiosk token"), key="adm_kiosk"):
        _act(lambda: st.success(tr("大屏地址：", "Wall URL: ") + "?view=wall&kiosk="
                                + accounts.issue_kiosk_token(store, "wall", by=principal)))


def _act(action, *, rerun: bool = False) -> None:
    try:
        action()
    except GisError as exc:
        st.error(str(exc))
        return
    if rerun:
        st.rerun()



def has_totp(principal: Principal) -> bool:
    """Whether the principal's account has a TOTP secret bound."""
    return accounts.has_totp(_store(), principal.username)
