"""Parents, passwords and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alertsvc.db.models import Parent, ParentToken
from alertsvc.services.ids import digest, new_id, new_token, same_digest

API_TOKEN_TTL = timedelta(days=90)
SESSION_TTL = timedelta(days=7)

_hasher = PasswordHasher()  # argon2id with the library's memory-hard defaults (RFC 9106)


def use_fast_hashing() -> None:
    """Cheaper argon2id parameters for the test suite only (Settings.fast_password_hashing)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _dummy_hash.cache_clear()


class EmailTakenError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Identity:
    parent_id: str
    email: str
    is_admin: bool


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def register_parent(
    session: Session, email: str, password: str, now: datetime, *, is_admin: bool = False
) -> Identity:
    email = normalize_email(email)
    if session.scalar(select(Parent.id).where(Parent.email == email)) is not None:
        raise EmailTakenError(email)
    parent = Parent(
        id=new_id("par"),
        email=email,
        password_hash=_hasher.hash(password),
        is_admin=is_admin,
        created_at=now,
    )
    session.add(parent)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        raise EmailTakenError(email) from exc
    return Identity(parent.id, parent.email, parent.is_admin)


def authenticate(session: Session, email: str, password: str) -> Identity | None:
    """The parent for these credentials, or None; always spends one argon2 verification."""
    parent = session.scalar(select(Parent).where(Parent.email == normalize_email(email)))
    try:
        _hasher.verify(parent.password_hash if parent else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if parent is None:
        return None
    if _hasher.check_needs_rehash(parent.password_hash):
        parent.password_hash = _hasher.hash(password)
    return Identity(parent.id, parent.email, parent.is_admin)


def set_password(session: Session, parent_id: str, password: str) -> None:
    parent = session.get(Parent, parent_id)
    if parent is not None:
        parent.password_hash = _hasher.hash(password)
        # A password change ends every session and token but the one about to be issued.
        session.execute(delete(ParentToken).where(ParentToken.parent_id == parent_id))


def account_for_email(session: Session, email: str) -> Identity | None:
    """The parent account registered with this email, if any."""
    parent = session.scalar(select(Parent).where(Parent.email == normalize_email(email)))
    return Identity(parent.id, parent.email, parent.is_admin) if parent else None


def make_admin(
    session: Session, email: str, password: str, now: datetime, *, reset_password: bool = False
) -> Identity:
    """Create an admin. An existing account is never changed silently: only with
    `reset_password` does it get this password (ending its sessions and tokens) and the admin
    role; otherwise EmailTakenError."""
    parent = session.scalar(select(Parent).where(Parent.email == normalize_email(email)))
    if parent is None:
        return register_parent(session, email, password, now, is_admin=True)
    if not reset_password:
        raise EmailTakenError(parent.email)
    set_password(session, parent.id, password)
    parent.is_admin = True
    return Identity(parent.id, parent.email, True)


def issue_token(session: Session, parent_id: str, kind: str, now: datetime) -> str:
    token = new_token()
    ttl = API_TOKEN_TTL if kind == "api" else SESSION_TTL
    session.add(
        ParentToken(
            token_hash=digest(token),
            parent_id=parent_id,
            kind=kind,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def identity_for_token(session: Session, token: str, kind: str, now: datetime) -> Identity | None:
    hashed = digest(token)
    row = session.execute(
        select(ParentToken.token_hash, ParentToken.expires_at, Parent.id, Parent.email)
        .add_columns(Parent.is_admin)
        .join(Parent, Parent.id == ParentToken.parent_id)
        .where(ParentToken.token_hash == hashed, ParentToken.kind == kind)
    ).first()
    if row is None or not same_digest(row[0], hashed) or row[1] <= now:
        return None
    return Identity(row[2], row[3], bool(row[4]))


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(ParentToken).where(ParentToken.token_hash == digest(token)))
