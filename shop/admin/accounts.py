"""Staff accounts: argon2 password hashes, roles, and hashed bearer tokens for the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from shop.admin.models import ApiToken, Role, User
from shop.extensions import db

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "ks_"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so that a wrong email costs as long as a wrong
# password and response times do not tell which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """An account request that cannot be done; the message is for people."""


def normalise_email(email: str) -> str:
    """Lower-case and validate an email address (no DNS lookups), or raise AccountError."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError(f"{email.strip() or 'That'} is not a valid email address.") from None


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError("The role must be admin or staff.") from None


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def set_password(user: User, password: str) -> None:
    """Hash a new password and sign the user out of every existing session."""
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    user.session_nonce = secrets.token_hex(16)


def create_user(email: str, password: str, role: str = Role.STAFF) -> User:
    """Add an account (not committed); raise AccountError if it exists or is invalid."""
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError(f"An account for {email} already exists.")
    user = User(email=email, role=parse_role(role), active=True)
    set_password(user, password)
    db.session.add(user)
    return user


def authenticate(email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None; rehashes outdated hashes."""
    user = user_by_email(email) if email else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


def user_for_session(user_id: str) -> User | None:
    """Flask-Login's loader: the active user named by '<id>:<nonce>' from the session."""
    number, _, nonce = user_id.partition(":")
    if not number.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str = "") -> str:
    """Issue a bearer token for `user` (not committed) and return it: it is shown only once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10], name=name[:80])
    )
    return token


def user_for_token(token: str, now: datetime) -> User | None:
    """The active user holding this unrevoked bearer token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    record = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if record is None or not record.user.active:
        return None
    record.last_used_at = now
    return record.user
