"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 10


class PasswordError(ValueError):
    """A password that may not be set (too short, blank)."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"密码至少 {MIN_LENGTH} 个字符")
    if not password.strip():
        raise PasswordError("密码不能全为空白")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash of nothing anyone knows: an unknown username costs as much as a wrong password, so
# the login page does not tell which usernames exist by its timing.
DUMMY_HASH = _HASHER.hash("policykit-no-such-user-" + "x" * 16)
