"""Password hashing (Argon2id via argon2-cffi) and the strength rules.

Clear-text passwords exist only in the call that hashes or verifies them; they are never
stored, logged or put in an error message.
"""

from __future__ import annotations

import functools
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gis.auth.config import AuthConfig
from gis.errors import AuthError

CLASSES = (("小写字母", "lower-case letters", str.islower), ("大写字母", "upper-case letters", str.isupper),
           ("数字", "digits", str.isdigit), ("符号", "symbols", lambda c: not c.isalnum()))
MAX_LENGTH = 256


@functools.lru_cache(maxsize=8)
def hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher(config: AuthConfig) -> PasswordHasher:
    return hasher(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)


def hash_password(password: str, *, config: AuthConfig) -> str:
    """The Argon2id hash (PHC string with salt and parameters) of a password."""
    return _hasher(config).hash(password)


def verify_password(stored_hash: str | None, password: str, *, config: AuthConfig) -> bool:
    """True when the password matches the stored hash (constant-time in argon2)."""
    if not stored_hash:
        _hasher(config).hash("timing-equaliser")  # same cost whether or not the hash exists
        return False
    try:
        return _hasher(config).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, *, config: AuthConfig) -> bool:
    """True when the hash was made with other Argon2 parameters than the configured ones."""
    return _hasher(config).check_needs_rehash(stored_hash)


def check_strength(password: str, *, username: str, config: AuthConfig) -> None:
    """Refuse a weak password with the rule it breaks (never echoing the password).

    Rules: at least ``password_min_length`` characters, at least ``password_min_classes`` of
    lower case, upper case, digits and symbols, and not containing the user name.
    """
    problems_zh, problems_en = [], []
    if len(password) < config.password_min_length:
        problems_zh.append(f"至少 {config.password_min_length} 个字符")
        problems_en.append(f"at least {config.password_min_length} characters")
    if len(password) > MAX_LENGTH:
        problems_zh.append(f"不超过 {MAX_LENGTH} 个字符")
        problems_en.append(f"at most {MAX_LENGTH} characters")
    present = [any(test(c) for c in password) for _zh, _en, test in CLASSES]
    if sum(present) < config.password_min_classes:
        problems_zh.append(f"至少包含大写字母、小写字母、数字、符号中的 {config.password_min_classes} 类")
        problems_en.append(f"at least {config.password_min_classes} of upper case, lower case, "
                           f"digits and symbols")
    if username and username.lower() in password.lower():
        problems_zh.append("不能包含用户名")
        problems_en.append("must not contain the user name")
    if problems_zh:
        msg = (f"密码强度不足：{'；'.join(problems_zh)} / password too weak: "
               f"{'; '.join(problems_en)}")
        raise AuthError(msg)


def one_time_password(*, config: AuthConfig) -> str:
    """A random password that passes the strength rules (for ``init`` and ``user reset``)."""
    alphabet = string.ascii_letters + string.digits
    length = max(16, config.password_min_length)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length - 2)) + "-" + \
            secrets.choice(string.digits)
        try:
            check_strength(candidate, username="", config=config)
        except AuthError:
            continue
        return candidate
