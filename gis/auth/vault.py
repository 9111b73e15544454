"""TOTP secrets at rest: sealed with Fernet (``cryptography``), never stored in clear.

A TOTP secret must be readable by the server (it computes the expected code), so it is
encrypted, not hashed: AES-128-CBC + HMAC-SHA256 by ``cryptography.fernet.Fernet`` (a
well-kept library; no hand-written crypto). Stored values read ``fernet:<token>``; a value
without the prefix is a plaintext secret from before this existed and is sealed by
:func:`seal_plain_secrets` (``python -m gis init``) or at the account's next sign-in.

The key (32 random bytes, url-safe base64, as ``Fernet.generate_key`` makes it) comes from

1. the environment variable ``HXAY_AUTH_SECRET_KEY``, else
2. the file ``[auth] secret_key_file``, else ``data/auth_secret.key``; a missing file is
   created once (mode 0600). Several app processes on one PostGIS must share the same key
   (one file on shared storage, or the variable): a process with another key cannot check
   codes and says so.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from gis.errors import AuthError, ConfigError

PREFIX = "fernet:"
KEY_ENV = "HXAY_AUTH_SECRET_KEY"
DEFAULT_KEY_FILE = "auth_secret.key"


def key_path(configured: str = "") -> Path:
    """Where the key file is (``[auth] secret_key_file`` or ``data/auth_secret.key``)."""
    if configured:
        return Path(configured).expanduser()
    from gis.config import DATA_DIR

    return DATA_DIR / DEFAULT_KEY_FILE


def _read_or_create(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:   # another process made it first
        return path.read_bytes().strip()
    except OSError as exc:
        msg = (f"无法创建动态口令密钥文件 {path}（{exc.strerror or exc}）；请设置 [auth] secret_key_file 或环境变量 "
               f"{KEY_ENV} / cannot create the TOTP key file {path}: set [auth] secret_key_file or {KEY_ENV}")
        raise ConfigError(msg) from exc
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


@functools.lru_cache(maxsize=8)
def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        msg = (f"动态口令密钥格式无效（应为 Fernet.generate_key() 生成的 44 个字符） / the TOTP key is not a valid "
               f"Fernet key (44 url-safe base64 characters, from Fernet.generate_key()); check {KEY_ENV} or "
               f"[auth] secret_key_file")
        raise ConfigError(msg) from exc


def fernet(configured: str = "") -> Fernet:
    """The Fernet of this deployment's key (environment variable, else the key file)."""
    env = os.environ.get(KEY_ENV, "").strip()
    return _fernet(env.encode("ascii", "replace") if env else _read_or_create(key_path(configured)))


def seal(secret: str, *, key_file: str = "") -> str:
    """``fernet:<token>`` of a base32 TOTP secret (what the database stores)."""
    return PREFIX + fernet(key_file).encrypt(secret.encode("ascii")).decode("ascii")


def is_sealed(stored: str | None) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def unseal(stored: str, *, key_file: str = "") -> str:
    """The base32 secret of a stored value (a legacy plaintext value is returned as is).

    Raises
    ------
    AuthError
        The value was sealed with another key (a process with the wrong key file).
    """
    if not is_sealed(stored):
        return stored
    try:
        return fernet(key_file).decrypt(stored[len(PREFIX):].encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        msg = ("动态口令密钥与加密时不一致，无法校验；请检查 [auth] secret_key_file / the TOTP secret was sealed "
               "with another key: check [auth] secret_key_file (all app processes need the same key)")
        raise AuthError(msg) from exc
